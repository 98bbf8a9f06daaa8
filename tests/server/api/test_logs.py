"""`/logs` on each backend: batches in, filtered and sorted reads out; and the text-search syntax."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from asgi_api.server.models.text_search import TextQuery, parse_text_query

FLOW_RUN, OTHER_FLOW_RUN, TASK_RUN = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def _log(second: int, message: str, level: int = 20, **extra: Any) -> dict[str, Any]:
    return {"name": "prefect.flow_runs", "level": level, "message": message,
            "timestamp": f"2025-01-01T00:00:{second:02d}+00:00", "flow_run_id": str(FLOW_RUN), **extra}


LOGS = [
    _log(1, "Beginning flow run", level=20),
    _log(2, "Task started", level=10, task_run_id=str(TASK_RUN)),
    _log(3, "Connection refused: retrying", level=30, task_run_id=str(TASK_RUN)),
    _log(4, "Finished in state Failed", level=40, flow_run_id=str(OTHER_FLOW_RUN)),
    _log(5, "100% done_ok", level=50, flow_run_id=None, worker_id=str(uuid.uuid4())),
]


@pytest.fixture
async def logged(client: httpx.AsyncClient) -> httpx.AsyncClient:
    response = await client.post("/logs/", json=LOGS)
    assert (response.status_code, response.json()) == (201, None)
    return client


async def _messages(client: httpx.AsyncClient, **body: Any) -> list[str]:
    response = await client.post("/logs/filter", json=body)
    assert response.status_code == 200, response.text
    return [log["message"] for log in response.json()]


@pytest.mark.anyio
async def test_logs_come_back_as_sent(logged: httpx.AsyncClient) -> None:
    logs = (await logged.post("/logs/filter", json={})).json()
    assert len(logs) == 5
    assert set(logs[0]) == {"id", "created", "updated", "name", "level", "message", "timestamp", "flow_run_id",
                            "task_run_id"}
    assert logs[1]["task_run_id"] == str(TASK_RUN) and logs[4]["flow_run_id"] is None


@pytest.mark.anyio
async def test_an_empty_batch_is_fine(client: httpx.AsyncClient) -> None:
    assert (await client.post("/logs/", json=[])).status_code == 201


@pytest.mark.anyio
async def test_an_invalid_batch_stores_nothing(client: httpx.AsyncClient) -> None:
    response = await client.post("/logs/", json=[_log(1, "fine"), {"name": "x", "level": "high"}])
    assert response.status_code == 422
    assert await _messages(client) == []


@pytest.mark.anyio
@pytest.mark.parametrize(("logs", "expected"), [
    ({"level": {"ge_": 30}}, [3, 4, 5]),
    ({"level": {"le_": 20}}, [1, 2]),
    ({"level": {"ge_": 20, "le_": 40}}, [1, 3, 4]),
    ({"timestamp": {"after_": "2025-01-01T00:00:02Z"}}, [2, 3, 4, 5]),
    ({"timestamp": {"before_": "2025-01-01T00:00:02Z"}}, [1, 2]),
    ({"flow_run_id": {"any_": [str(OTHER_FLOW_RUN)]}}, [4]),
    ({"flow_run_id": {"is_null_": True}}, [5]),
    ({"task_run_id": {"any_": [str(TASK_RUN)]}}, [2, 3]),
    ({"task_run_id": {"is_null_": True}}, [1, 4, 5]),
    ({"task_run_id": {"is_null_": False}}, [2, 3]),
    ({"text": {"query": "TASK"}}, [2]),
    ({"text": {"query": "task refused"}}, [2, 3]),
    ({"text": {"query": "flow -failed"}}, [1, 2, 3, 5]),  # the logger name matches too
    ({"text": {"query": '"in state"'}}, [4]),
    ({"text": {"query": "+retrying +connection"}}, [3]),
    ({"text": {"query": "100%"}}, [5]),
    ({"text": {"query": "s_a"}}, []),  # `_` is a literal, not a LIKE wildcard
    ({"level": {"ge_": 50}, "task_run_id": {"any_": [str(TASK_RUN)]}, "operator": "or_"}, [2, 3, 5]),
    ({"level": {"ge_": 50}, "task_run_id": {"any_": [str(TASK_RUN)]}}, []),
    (None, [1, 2, 3, 4, 5]),
])
async def test_filters(logged: httpx.AsyncClient, logs: Any, expected: list[int]) -> None:
    messages = [log["message"] for log in LOGS]
    assert await _messages(logged, logs=logs) == [messages[number - 1] for number in expected]


@pytest.mark.anyio
async def test_sort_limit_offset(logged: httpx.AsyncClient) -> None:
    messages = [log["message"] for log in LOGS]
    assert await _messages(logged, sort="TIMESTAMP_DESC") == messages[::-1]
    assert await _messages(logged, sort=None, limit=None, offset=None) == messages
    assert await _messages(logged, limit=2, offset=1) == messages[1:3]
    assert await _messages(logged, limit=0) == []


@pytest.mark.anyio
@pytest.mark.parametrize("body", [{"limit": 201}, {"limit": -1}])
async def test_limit_out_of_range(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    response = await client.post("/logs/filter", json=body)
    assert (response.status_code, response.json()) == (422, {"detail": "Invalid limit: must be between 0 and 200."})


@pytest.mark.anyio
@pytest.mark.parametrize("body", [{"sort": "LEVEL_ASC"}, {"offset": -1}, {"logs": {"text": {"query": "x" * 201}}}])
async def test_invalid_filter_bodies(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    assert (await client.post("/logs/filter", json=body)).status_code == 422


@pytest.mark.parametrize(("query", "parsed"), [
    ("", TextQuery()),
    ("error  timeout", TextQuery(include=["error", "timeout"])),
    ("-debug !trace +must", TextQuery(include=[], exclude=["debug", "trace"], required=["must"])),
    ('"exact phrase" -"not this"', TextQuery(include=["exact phrase"], exclude=["not this"])),
    (r'"say \"hi\""', TextQuery(include=['say "hi"'])),
    ("- lonely", TextQuery(include=["lonely"])),
    ('"unclosed phrase', TextQuery(include=["unclosed phrase"])),
])
def test_text_query_syntax(query: str, parsed: TextQuery) -> None:
    assert parse_text_query(query) == parsed
