"""The layer rules of DESIGN.md, checked on the source with `ast`: the framework never imports the
server; routers build no SQL and read no `app.state`; models and the database layer never import
the framework's HTTP pieces; the orchestration rules touch neither the database nor HTTP.

Every import counts, wherever it is written (inside a function, under `TYPE_CHECKING`, relative).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import asgi_api

PACKAGE = Path(asgi_api.__file__).parent
HTTP_PIECES = ("asgi_api.params", "asgi_api.routing", "asgi_api.routes", "asgi_api.responses", "asgi_api.exceptions",
               "asgi_api.dependencies", "starlette")
SQL = ("sqlalchemy", "asgi_api.server.database.tables")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(module: str, tree: ast.AST, is_package: bool = False) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of everything `tree` imports: `from a import b` yields `a` and `a.b`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                anchor = package[:len(package) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def reads_app_state(tree: ast.AST) -> Iterator[int]:
    """Lines with `<anything>.app.state`."""
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr == "state" and isinstance(node.value, ast.Attribute)
                and node.value.attr == "app"):
            yield node.lineno


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def violations(module: str, source: str, is_package: bool = False) -> list[str]:
    """What `module` (with `source`) does against the layer rules, as `module:line: reason`."""
    tree = ast.parse(source)
    found: list[str] = []
    imports = list(imported(module, tree, is_package))

    def forbid(prefixes: tuple[str, ...], layer: str) -> None:
        found.extend(f"{module}:{line}: {layer} imports {name}" for line, name in imports if within(name, prefixes))

    if not within(module, ("asgi_api.server",)):
        forbid(("asgi_api.server",), "the framework")
    if within(module, ("asgi_api.server.api",)):
        forbid(SQL, "a router")
        found.extend(f"{module}:{line}: a router reads app.state" for line in reads_app_state(tree))
    if within(module, ("asgi_api.server.models", "asgi_api.server.database")):
        forbid(HTTP_PIECES, "a model or the database layer")
    if within(module, ("asgi_api.server.orchestration",)):
        forbid((*HTTP_PIECES, "sqlalchemy", "asgi_api.server.database"), "an orchestration rule")
    return found


def package_violations(*prefixes: str) -> list[str]:
    """The violations of the package's modules under `prefixes` (each must hold some)."""
    found: list[str] = []
    checked: set[str] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        module = module_name(path)
        if within(module, prefixes):
            checked.update(prefix for prefix in prefixes if within(module, (prefix,)))
            found += violations(module, path.read_text(encoding="utf-8"), path.name == "__init__.py")
    assert checked == set(prefixes), f"no modules under {set(prefixes) - checked}"
    return found


def test_the_framework_never_imports_the_server() -> None:
    assert [found for found in package_violations("asgi_api") if "the framework" in found] == []


def test_routers_build_no_sql_and_read_no_app_state() -> None:
    assert package_violations("asgi_api.server.api") == []


def test_models_and_the_database_layer_never_import_http_pieces() -> None:
    assert package_violations("asgi_api.server.models", "asgi_api.server.database") == []


def test_orchestration_rules_touch_neither_the_database_nor_http() -> None:
    assert package_violations("asgi_api.server.orchestration") == []


@pytest.mark.parametrize(("module", "source", "reason"), [
    ("asgi_api.routing", "def f():\n    from asgi_api.server import app\n", "the framework imports asgi_api.server"),
    ("asgi_api.routing", "from asgi_api import server\n", "the framework imports asgi_api.server"),
    ("asgi_api.openapi.schema", "from ..server.settings import Settings\n", "the framework imports asgi_api.server"),
    ("asgi_api.server.api.flows", "import sqlalchemy as sa\n", "a router imports sqlalchemy"),
    ("asgi_api.server.api.flows", "from ..database import tables\n",
     "a router imports asgi_api.server.database.tables"),
    ("asgi_api.server.api.flows", "def f(request):\n    return request.app.state.database\n",
     "a router reads app.state"),
    ("asgi_api.server.models.flows", "from starlette.requests import Request\n",
     "a model or the database layer imports starlette"),
    ("asgi_api.server.database.session", "from asgi_api.dependencies import response_scoped_dependency\n",
     "a model or the database layer imports asgi_api.dependencies"),
    ("asgi_api.server.orchestration.rules", "from asgi_api.server.database import utcnow\n",
     "an orchestration rule imports asgi_api.server.database"),
])
def test_each_rule_catches_its_violation(module: str, source: str, reason: str) -> None:
    found = violations(module, source)
    assert found and all(reason in violation for violation in found), found


def test_allowed_imports_pass() -> None:
    assert violations("asgi_api.server.api.flows", "from asgi_api.server.models import flows\n"
                      "from asgi_api.server.database import Session\nfrom asgi_api.params import Depends\n") == []
    assert violations("asgi_api.server.models.flows", "import sqlalchemy as sa\n"
                      "from asgi_api.server.exceptions import ObjectNotFoundError\n") == []
