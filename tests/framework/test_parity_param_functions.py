"""Parameter markers as FastAPI users write them: imported from `param_functions`, a bare `Param`,
several markers in one `Annotated`, and the ambiguous declarations FastAPI refuses at definition."""

import importlib
from typing import Annotated, Any

import pytest

from tests.framework.parity import asgi_api_namespace, call, fastapi_namespace, parity_test


def build(fw):
    functions = importlib.import_module(f"{fw.name}.param_functions")
    param = importlib.import_module(f"{fw.name}.params").Param
    app = fw.API(title="Markers")

    @app.get("/bare")
    def bare(q: str | None = param(default=None)):
        return {"q": q}

    @app.get("/ranged")
    def ranged(n: Annotated[int, functions.Query(gt=2), functions.Query(lt=10)]):
        return n

    @app.get("/items/{item_id}")
    def item(item_id: Annotated[int, functions.Path(ge=1)], token: Annotated[str, functions.Header()] = "none"):
        return {"id": item_id, "token": token}

    return app


test_markers = parity_test(build, [
    call("GET", "/bare", 200),
    call("GET", "/bare?q=x", 200),
    call("GET", "/ranged?n=5", 200),
    call("GET", "/ranged?n=1", 422),
    call("GET", "/ranged?n=123", 422),
    call("GET", "/items/0", 422),
    call("GET", "/items/3", 200, headers={"token": "t"}),
    call("GET", "/openapi.json", 200),
])


def dep() -> int:
    return 1


def ambiguous(fw, case: str) -> Any:
    functions = importlib.import_module(f"{fw.name}.param_functions")
    if case == "path default":
        return functions.Path(default=1)
    app = fw.API()
    if case == "default in Annotated":
        @app.get("/")
        def a(q: Annotated[int, functions.Query(default=1)]): ...
    elif case == "Depends twice":
        @app.get("/")
        def b(q: Annotated[int, functions.Depends(dep)] = functions.Depends(dep)): ...
    elif case == "marker and Depends":
        @app.get("/")
        def c(q: Annotated[int, functions.Query(min_length=1)] = functions.Depends(dep)): ...
    else:
        @app.get("/")
        def d(q: Annotated[int, functions.Query()] = functions.Query(3)): ...


@pytest.mark.parametrize("case", ["path default", "default in Annotated", "Depends twice", "marker and Depends",
                                  "two markers"])
def test_ambiguous_declarations_are_refused_alike(case: str) -> None:
    with pytest.raises(AssertionError) as expected:
        ambiguous(fastapi_namespace(), case)
    with pytest.raises(AssertionError) as actual:
        ambiguous(asgi_api_namespace(), case)
    assert str(actual.value) == str(expected.value)


def test_dependency_markers_are_equal_and_hashable_by_their_fields() -> None:
    """Tools keep `Depends`/`Security` markers in sets and dicts: two alike are one, as in FastAPI."""
    for fw in (fastapi_namespace(), asgi_api_namespace()):
        assert fw.Depends(dep) == fw.Depends(dep) and hash(fw.Depends(dep)) == hash(fw.Depends(dep))
        assert len({fw.Depends(dep), fw.Depends(dep), fw.Depends(dep, scope="function")}) == 2, fw.name
        assert len({fw.Security(dep), fw.Security(dep), fw.Depends(dep)}) == 2, fw.name
        assert fw.Depends(dep, max_concurrency=2) != fw.Depends(dep, max_concurrency=2), fw.name
