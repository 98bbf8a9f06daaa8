"""The bad-input catalogue: every input an outside battery found a 500 for, and its neighbours.

Each is answered with a 4xx and a JSON body, on SQLite and on PostgreSQL alike, and leaves the
database exactly as it was. Values that look like the bad ones but are fine are stored and read
back unchanged.
"""

from __future__ import annotations

import random
import string
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from asgi_api.server.database import Database, metadata
from tests.server.api.flow_helpers import create_flow, create_flow_run, create_task_run

pytestmark = pytest.mark.anyio

NUL = "a\u0000b"
INT64_OVERFLOW = 2**63
LONG_TEXT = "".join(random.Random(13).choice(string.ascii_letters + string.digits) for _ in range(9000))
UTC_OVERFLOW = "9999-12-31T23:59:59-23:59"  # year 10000 once in UTC
UTC_UNDERFLOW = "0001-01-01T00:00:00+23:59"  # year 0 once in UTC
TIMESTAMP = "2025-01-01T00:00:00+00:00"


def log(**fields: Any) -> list[dict[str, Any]]:
    return [{"name": "bad", "level": 20, "message": "m", "timestamp": TIMESTAMP, **fields}]


def time_filter(**bounds: Any) -> dict[str, Any]:
    return {"flow_runs": {"start_time": bounds}}


def catalogue(flow_id: str, run_id: str) -> list[tuple[str, str, str, Any, int]]:
    """(case, method, path, JSON body, expected status)."""
    run = f"/flow_runs/{run_id}"
    return [
        # NUL characters: PostgreSQL stores none, so no backend takes one
        ("nul in flow name", "POST", "/flows/", {"name": NUL}, 422),
        ("nul in flow tags", "POST", "/flows/", {"name": "ok", "tags": [NUL]}, 422),
        ("nul in a label key", "POST", "/flows/", {"name": "ok", "labels": {NUL: "x"}}, 422),
        ("nul in flow path", "GET", "/flows/name/a%00b", None, 422),
        ("nul in name filter", "POST", "/flows/filter", {"flows": {"name": {"like_": NUL}}}, 422),
        ("nul in name any_", "POST", "/flows/filter", {"flows": {"name": {"any_": [NUL]}}}, 422),
        ("nul in tag filter", "POST", "/flow_runs/filter", {"flow_runs": {"tags": {"all_": [NUL]}}}, 422),
        ("nul in log text filter", "POST", "/logs/filter", {"logs": {"text": {"query": NUL}}}, 422),
        ("nul in parameters", "POST", "/flow_runs/", {"flow_id": flow_id, "parameters": {"x": {"y": [NUL]}}}, 422),
        ("nul in run name", "POST", "/flow_runs/", {"flow_id": flow_id, "name": NUL}, 422),
        ("nul in run update", "PATCH", run, {"name": NUL}, 422),
        ("nul in state message", "POST", f"{run}/set_state", {"state": {"type": "RUNNING", "message": NUL}}, 422),
        ("nul in log message", "POST", "/logs/", log(message=NUL), 422),
        ("nul in variable value", "POST", "/variables/", {"name": "v1", "value": NUL}, 422),
        ("nul in variable tags", "POST", "/variables/", {"name": "v2", "value": 1, "tags": [NUL]}, 422),
        ("nul in task key", "POST", "/task_runs/", {"flow_run_id": run_id, "task_key": NUL, "dynamic_key": "0"}, 422),
        ("nul in an event", "POST", "/events", [{"id": "00000000-0000-4000-8000-000000000001", "occurred": TIMESTAMP,
                                                 "event": "x", "resource": {"prefect.resource.id": NUL}}], 422),
        # integers beyond what the databases take
        ("offset 2^63", "POST", "/flows/filter", {"offset": INT64_OVERFLOW}, 422),
        ("offset 2^64", "POST", "/flow_runs/filter", {"offset": 2**64}, 422),
        ("offset 10^30", "POST", "/logs/filter", {"offset": 10**30}, 422),
        ("offset -1", "POST", "/task_runs/filter", {"offset": -1}, 422),
        ("limit 2^63", "POST", "/variables/filter", {"limit": INT64_OVERFLOW}, 422),
        ("page 2^63", "POST", "/flows/paginate", {"page": INT64_OVERFLOW}, 422),
        ("page 2^62", "POST", "/flows/paginate", {"page": 2**62}, 422),
        ("page 0", "POST", "/flows/paginate", {"page": 0}, 422),
        ("log level 2^63", "POST", "/logs/", log(level=INT64_OVERFLOW), 422),
        ("log level 40000", "POST", "/logs/", log(level=40000), 422),
        ("log level -40000", "POST", "/logs/", log(level=-40000), 422),
        ("log level filter 2^63", "POST", "/logs/filter", {"logs": {"level": {"ge_": INT64_OVERFLOW}}}, 422),
        # datetimes beyond year 9999 (or before year 1) once in UTC, or as huge numbers
        ("log timestamp 1e18", "POST", "/logs/", log(timestamp=1e18), 422),
        ("filter after_ -1e300", "POST", "/flow_runs/filter", time_filter(after_=-1e300), 422),
        ("state timestamp past 9999", "POST", f"{run}/set_state",
         {"state": {"type": "SCHEDULED", "state_details": {"scheduled_time": UTC_OVERFLOW}}}, 422),
        ("task cache expiration past 9999", "POST", "/task_runs/",
         {"flow_run_id": run_id, "task_key": "t", "dynamic_key": "0", "cache_expiration": UTC_OVERFLOW}, 422),
        # text over PostgreSQL's index entry size, in uniquely indexed columns
        ("9000-character flow name", "POST", "/flows/", {"name": LONG_TEXT}, 422),
        ("9000-character idempotency key", "POST", "/flow_runs/",
         {"flow_id": flow_id, "idempotency_key": LONG_TEXT}, 422),
        ("9000-character task key", "POST", "/task_runs/",
         {"flow_run_id": run_id, "task_key": LONG_TEXT, "dynamic_key": "0"}, 422),
        ("101-character dynamic key", "POST", "/task_runs/",
         {"flow_run_id": run_id, "task_key": "t", "dynamic_key": "d" * 101}, 422),
        # a run always has a name
        ("run name null", "PATCH", run, {"name": None}, 422),
        # values of another JSON type than the schema names, datetimes beyond year 9999 in UTC
        *[(case, "POST", path, body, 422) for case, path, body, _ in NAMED],
    ]


LEASE = {"names": ["a"], "slots": 1, "mode": "concurrency"}
NAMED: list[tuple[str, str, Any, list[Any]]] = [
    # (case, path, body, loc of the one error). Other JSON types than the schema names are refused
    # (pydantic's lax mode, so Prefect's server, converts them: `0` to false, a number to a datetime)
    ("timestamp 0", "/logs/", log(timestamp=0), ["body", 0, "timestamp"]),
    ("timestamp '0'", "/logs/", log(timestamp="0"), ["body", 0, "timestamp"]),
    ("timestamp a date only", "/logs/", log(timestamp="2025-01-01"), ["body", 0, "timestamp"]),
    ("level '20'", "/logs/", log(level="20"), ["body", 0, "level"]),
    ("level 20.5", "/logs/", log(level=20.5), ["body", 0, "level"]),
    ("is_null_ 0", "/flows/filter", {"flows": {"tags": {"is_null_": 0}}}, ["body", "flows", "tags", "is_null_"]),
    ("is_null_ 'true'", "/flow_runs/filter", {"flow_runs": {"parent_task_run_id": {"is_null_": "true"}}},
     ["body", "flow_runs", "parent_task_run_id", "is_null_"]),
    ("limit false", "/flows/filter", {"limit": False}, ["body", "limit"]),
    ("offset '1'", "/flows/filter", {"offset": "1"}, ["body", "offset"]),
    ("automations offset -1", "/automations/filter", {"offset": -1}, ["body", "offset"]),
    ("lease_duration false", "/v2/concurrency_limits/increment-with-lease", {**LEASE, "lease_duration": False},
     ["body", "lease_duration"]),
    ("lease_duration '60'", "/v2/concurrency_limits/increment-with-lease", {**LEASE, "lease_duration": "60"},
     ["body", "lease_duration"]),
    ("before_ 1e300", "/flow_runs/filter", time_filter(before_=1e300), ["body", "flow_runs", "start_time", "before_"]),
    ("flow name 5", "/flows/", {"name": 5}, ["body", "name"]),
    ("tags 'a'", "/flows/", {"name": "f", "tags": "a"}, ["body", "tags"]),
    # once in UTC, past year 9999: the field is named, not the whole body
    ("log timestamp past 9999 in UTC", "/logs/", log(timestamp=UTC_OVERFLOW), ["body", 0, "timestamp"]),
    ("filter before_ past 9999 in UTC", "/flow_runs/filter", time_filter(before_=UTC_OVERFLOW),
     ["body", "flow_runs", "start_time", "before_"]),
    ("log timestamp before 0001 in UTC", "/logs/", log(timestamp=UTC_UNDERFLOW), ["body", 0, "timestamp"]),
    ("event occurred past 9999 in UTC", "/events", [{"id": "00000000-0000-4000-8000-000000000009",
     "occurred": UTC_OVERFLOW, "event": "x", "resource": {"prefect.resource.id": "r"}}], ["body", 0, "occurred"]),
    # integers past an INTEGER column (32-bit on PostgreSQL): limits, slots, priorities
    ("v2 limit 2^31", "/v2/concurrency_limits/", {"name": "big", "limit": 2**31}, ["body", "limit"]),
    ("v2 limit 2^63", "/v2/concurrency_limits/", {"name": "big", "limit": INT64_OVERFLOW}, ["body", "limit"]),
    ("v1 limit 2^31", "/concurrency_limits/", {"tag": "big", "concurrency_limit": 2**31},
     ["body", "concurrency_limit"]),
    ("work pool limit 2^31", "/work_pools/", {"name": "big", "concurrency_limit": 2**31},
     ["body", "concurrency_limit"]),
    ("deployment limit 2^31", "/deployments/", {"name": "d", "flow_id": "00000000-0000-4000-8000-000000000000",
                                               "concurrency_limit": 2**31}, ["body", "concurrency_limit"]),
]


RAW_BODIES = [
    ("raw surrogate bytes", b'{"name":"\xed\xa0\x80"}', 400),
    ("escaped lone surrogate", b'{"name":"\\ud800"}', 400),
    ("raw NUL byte", b'{"name":"a\x00b"}', 422),  # FastAPI: a JSON syntax error
    ("invalid UTF-8", b'{"name":"\xff"}', 400),
]


async def snapshot(database: Database) -> dict[str, list[Any]]:
    """Every row of every table, so that "unchanged" means unchanged."""
    async with database.transaction(write=False) as session:
        return {table.name: sorted(map(repr, await session.fetch_all(sa.select(table))))
                for table in metadata.sorted_tables}


async def test_bad_inputs_are_4xx_json_and_change_nothing(client: httpx.AsyncClient, database: Database) -> None:
    flow = await create_flow(client, "kept")
    run = await create_flow_run(client, flow["id"], name="kept-run")
    await create_task_run(client, run["id"])
    before = await snapshot(database)
    wrong = []
    for case, method, path, body, expected in catalogue(flow["id"], run["id"]):
        response = await client.request(method, path, json=body)
        if response.status_code != expected or not response.headers["content-type"].startswith("application/json"):
            wrong.append(f"{case}: {response.status_code} {response.text[:200]}")
        else:
            response.json()
    for case, raw, expected in RAW_BODIES:
        response = await client.post("/flows/", content=raw, headers={"content-type": "application/json"})
        if (response.status_code, response.headers["content-type"]) != (expected, "application/json"):
            wrong.append(f"{case}: {response.status_code} {response.text[:200]}")
    assert wrong == []
    assert await snapshot(database) == before


async def test_a_bad_value_is_named_by_its_field(client: httpx.AsyncClient) -> None:
    wrong = []
    for case, path, body, loc in NAMED:
        response = await client.post(path, json=body)
        found = [entry["loc"] for entry in response.json().get("exception_detail", [])]
        if (response.status_code, found) != (422, [loc]):
            wrong.append(f"{case}: {response.status_code} {response.text[:300]}")
    assert wrong == []


async def test_neighbours_of_bad_inputs_are_stored_faithfully(client: httpx.AsyncClient) -> None:
    flow = await create_flow(client, "x" * 500)  # the longest flow name taken
    assert flow["name"] == "x" * 500
    escaped_backslash = "a\\u0000b"  # a backslash, then the text "u0000": no NUL
    run = await create_flow_run(client, flow["id"], parameters={"x": escaped_backslash}, idempotency_key="k" * 500)
    read = await client.get(f"/flow_runs/{run['id']}")
    assert read.json()["parameters"] == {"x": escaped_backslash}
    last_second = "9999-12-31T23:59:59+00:00"
    # 32767.0 is an integer to JSON Schema (not to pydantic's strict mode): taken as 32767
    logs = await client.post("/logs/", json=log(level=32767.0, timestamp=last_second, flow_run_id=run["id"]))
    assert logs.status_code == 201, logs.text
    found = await client.post("/logs/filter", json={"logs": {"level": {"ge_": 32767}}, "offset": 0})
    assert [entry["timestamp"] for entry in found.json()] == ["9999-12-31T23:59:59Z"]
    far = await client.post("/flow_runs/filter", json={"offset": 2**63 - 1, **time_filter(before_=last_second)})
    assert (far.status_code, far.json()) == (200, [])
    page = await client.post("/flows/paginate", json={"page": (2**63 - 1) // 200, "limit": 200})
    assert (page.status_code, page.json()["results"]) == (200, [])
    renamed = await client.patch(f"/flow_runs/{run['id']}", json={"name": "renamed"})
    assert renamed.status_code == 204
    assert (await client.get(f"/flow_runs/{run['id']}")).json()["name"] == "renamed"
