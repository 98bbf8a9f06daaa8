"""Query parameters on FastAPI and asgi_api: scalar types, defaults, lists, aliases, constraints."""

import datetime
import decimal
import enum
import uuid
from typing import Annotated, Literal, Optional

from tests.framework.parity import call, parity_test


class Size(str, enum.Enum):
    small = "s"
    large = "l"


def build(fw):
    app = fw.API()

    @app.get("/int")
    def an_int(v: int):
        return {"v": v}

    @app.get("/float")
    def a_float(v: float):
        return {"v": v}

    @app.get("/bool")
    def a_bool(v: bool):
        return {"v": v}

    @app.get("/str")
    def a_str(v: str):
        return {"v": v}

    @app.get("/decimal")
    def a_decimal(v: decimal.Decimal):
        return {"v": v, "doubled": v * 2}

    @app.get("/date")
    def a_date(v: datetime.date):
        return {"v": v, "weekday": v.weekday()}

    @app.get("/datetime")
    def a_datetime(v: datetime.datetime):
        return {"v": v, "aware": v.tzinfo is not None}

    @app.get("/uuid")
    def a_uuid(v: uuid.UUID):
        return {"v": v, "version": v.version}

    @app.get("/enum")
    def an_enum(v: Size):
        return {"v": v, "name": v.name}

    @app.get("/literal")
    def a_literal(v: Literal["asc", "desc"] = "asc"):
        return {"v": v}

    @app.get("/optional")
    def optional(q: Optional[str] = None, n: int | None = None, page: int = 1):
        return {"q": q, "n": n, "page": page}

    @app.get("/ids")
    def ids(ids: list[int] = fw.Query(None)):
        return {"ids": ids}

    @app.get("/tags")
    def tags(tag: list[str] = fw.Query([])):
        return {"tags": tag}

    @app.get("/annotated-list")
    def annotated_list(size: Annotated[list[Size], fw.Query()] = [Size.small]):  # noqa: B006
        return {"sizes": size}

    @app.get("/alias")
    def alias(item_query: str = fw.Query(alias="item-query")):
        return {"item_query": item_query}

    @app.get("/alias-list")
    def alias_list(values: Annotated[list[int], fw.Query(alias="value")] = []):  # noqa: B006
        return {"values": values}

    @app.get("/bounds")
    def bounds(
        a: int = fw.Query(0, ge=0, le=10),
        b: float = fw.Query(1.0, gt=0, lt=5),
        name: str = fw.Query("abc", min_length=2, max_length=5),
        code: str = fw.Query("x1", pattern="^[a-z][0-9]$"),
    ):
        return {"a": a, "b": b, "name": name, "code": code}

    @app.get("/annotated")
    def annotated(page: Annotated[int, fw.Query(ge=1)] = 1, size: Annotated[int, fw.Query(le=100)] = 20):
        return {"page": page, "size": size}

    @app.get("/required-annotated")
    def required_annotated(limit: Annotated[int, fw.Query(gt=0)]):
        return {"limit": limit}

    @app.get("/many")
    def many(a: int, b: float, c: str = fw.Query(min_length=3), d: bool = False):
        return {"a": a, "b": b, "c": c, "d": d}

    return app


test_query_scalars = parity_test(build, [
    call("GET", "/int?v=5", 200),
    call("GET", "/int?v=-3", 200),
    call("GET", "/int?v=+4", 200),
    call("GET", "/int?v=%205%20", 200),
    call("GET", "/int?v=1_000", 200),
    call("GET", "/int?v=abc", 422),
    call("GET", "/int?v=5.5", 422),
    call("GET", "/int?v=", 422),
    call("GET", "/int", 422),
    call("GET", "/int?v=1&v=2", 200),
    call("GET", "/int?v=7&other=x", 200),
    call("GET", "/float?v=1.5", 200),
    call("GET", "/float?v=2", 200),
    call("GET", "/float?v=1e3", 200),
    call("GET", "/float?v=one", 422),
    call("GET", "/bool?v=true", 200),
    call("GET", "/bool?v=True", 200),
    call("GET", "/bool?v=1", 200),
    call("GET", "/bool?v=yes", 200),
    call("GET", "/bool?v=on", 200),
    call("GET", "/bool?v=t", 200),
    call("GET", "/bool?v=y", 200),
    call("GET", "/bool?v=false", 200),
    call("GET", "/bool?v=0", 200),
    call("GET", "/bool?v=off", 200),
    call("GET", "/bool?v=no", 200),
    call("GET", "/bool?v=F", 200),
    call("GET", "/bool?v=2", 422),
    call("GET", "/bool?v=maybe", 422),
    call("GET", "/bool?v=", 422),
    call("GET", "/str?v=hello%20there", 200),
    call("GET", "/str?v=", 200),
    call("GET", "/str?v=a+b", 200),
    call("GET", "/str?v=%E2%9C%93", 200),
    call("GET", "/decimal?v=1.10", 200),
    call("GET", "/decimal?v=1.10", 200, headers_compared=["content-length"],
         id="a free-form Decimal is encoded as a float, byte for byte"),
    call("GET", "/decimal?v=3", 200),
    call("GET", "/decimal?v=-0.5", 200),
    call("GET", "/decimal?v=abc", 422),
    call("GET", "/date?v=2024-02-29", 200),
    call("GET", "/date?v=2023-02-29", 422),
    call("GET", "/date?v=2024-13-01", 422),
    call("GET", "/date?v=yesterday", 422),
    call("GET", "/datetime?v=2024-01-02T03:04:05", 200),
    call("GET", "/datetime?v=2024-01-02T03:04:05Z", 200),
    call("GET", "/datetime?v=2024-01-02T03:04:05%2B02:00", 200),
    call("GET", "/datetime?v=2024-01-02T03:04:05.123456", 200),
    call("GET", "/datetime?v=2024-01-02", 200),
    call("GET", "/datetime?v=not-a-time", 422),
    call("GET", "/uuid?v=12345678-1234-5678-1234-567812345678", 200),
    call("GET", "/uuid?v=12345678123456781234567812345678", 200),
    call("GET", "/uuid?v=1234", 422),
    call("GET", "/enum?v=s", 200),
    call("GET", "/enum?v=small", 422),
    call("GET", "/enum?v=x", 422),
    call("GET", "/literal", 200),
    call("GET", "/literal?v=desc", 200),
    call("GET", "/literal?v=up", 422),
])

test_query_defaults_and_lists = parity_test(build, [
    call("GET", "/optional", 200),
    call("GET", "/optional?q=x&n=3&page=2", 200),
    call("GET", "/optional?n=", 422),
    call("GET", "/optional?n=x&page=y", 422),
    call("GET", "/ids", 200),
    call("GET", "/ids?ids=1&ids=2&ids=3", 200),
    call("GET", "/ids?ids=1", 200),
    call("GET", "/ids?ids=1&ids=x&ids=3&ids=y", 422),
    call("GET", "/tags", 200),
    call("GET", "/tags?tag=a&tag=b", 200),
    call("GET", "/tags?tag=", 200),
    call("GET", "/annotated-list", 200),
    call("GET", "/annotated-list?size=l&size=s", 200),
    call("GET", "/annotated-list?size=m", 422),
    call("GET", "/alias?item-query=found", 200),
    call("GET", "/alias?item_query=ignored", 422),
    call("GET", "/alias-list?value=1&value=2", 200),
    call("GET", "/alias-list?values=1", 200),
])

test_query_constraints = parity_test(build, [
    call("GET", "/bounds", 200),
    call("GET", "/bounds?a=10&b=4.9&name=abcde&code=z9", 200),
    call("GET", "/bounds?a=-1", 422),
    call("GET", "/bounds?a=11", 422),
    call("GET", "/bounds?b=0", 422),
    call("GET", "/bounds?b=5", 422),
    call("GET", "/bounds?name=a", 422),
    call("GET", "/bounds?name=abcdef", 422),
    call("GET", "/bounds?code=99", 422),
    call("GET", "/bounds?a=11&b=0&name=a&code=X", 422, id="every bound broken at once"),
    call("GET", "/annotated", 200),
    call("GET", "/annotated?page=3&size=100", 200),
    call("GET", "/annotated?page=0", 422),
    call("GET", "/annotated?page=0&size=101", 422),
    call("GET", "/required-annotated?limit=1", 200),
    call("GET", "/required-annotated?limit=0", 422),
    call("GET", "/required-annotated", 422),
    call("GET", "/many?a=1&b=2&c=abc&d=1", 200),
    call("GET", "/many", 422, id="several required missing, errors in parameter order"),
    call("GET", "/many?a=x&b=y&c=z&d=w", 422, id="every parameter invalid, errors in parameter order"),
    call("GET", "/many?d=x&c=ab&b=q&a=z", 422, id="query order does not change error order"),
])


def build_more(fw):
    app = fw.API()

    @app.get("/int-literal")
    def int_literal(level: Literal[1, 2, 3] = 1):
        return {"level": level}

    @app.get("/optional-bounded")
    def optional_bounded(limit: Optional[int] = fw.Query(None, ge=1, le=50)):
        return {"limit": limit}

    @app.get("/list-bounded")
    def list_bounded(ids: Annotated[list[int], fw.Query(min_length=1, max_length=3)]):
        return {"ids": ids}

    return app


test_query_more = parity_test(build_more, [
    call("GET", "/int-literal?level=2", 422, id="an int Literal does not match the query string '2'"),
    call("GET", "/int-literal?level=4", 422),
    call("GET", "/int-literal?level=two", 422),
    call("GET", "/optional-bounded", 200),
    call("GET", "/optional-bounded?limit=50", 200),
    call("GET", "/optional-bounded?limit=51", 422),
    call("GET", "/list-bounded?ids=1&ids=2", 200),
    call("GET", "/list-bounded?ids=1&ids=2&ids=3&ids=4", 422),
    call("GET", "/list-bounded", 422),
])


def build_decimal_places(fw):
    app = fw.API()

    @app.get("/money")
    def money(amount: decimal.Decimal = fw.Query(max_digits=5, decimal_places=2)):
        return {"amount": str(amount)}

    return app


test_query_decimal_constraints = parity_test(build_decimal_places, [
    call("GET", "/money?amount=123.45", 200),
    call("GET", "/money?amount=1234.5", 422),
    call("GET", "/money?amount=1.234", 422),
    call("GET", "/money?amount=NaN", 422),
])


def build_unannotated(fw):
    app = fw.API()

    @app.get("/plain")
    def plain(x, y=5):  # noqa: ANN001 - unannotated on purpose: FastAPI reads these from the query
        return {"x": x, "y": y}

    return app


test_unannotated_parameters = parity_test(build_unannotated, [
    call("GET", "/plain?x=1", 200, id="an unannotated parameter is a query string"),
    call("GET", "/plain?x=1&y=2", 200, id="an unannotated default is overridden by a string"),
    call("GET", "/plain", 422, must_reject=True, id="an unannotated parameter without default is required"),
])
