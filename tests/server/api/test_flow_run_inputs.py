"""`/flow_runs/{id}/input`: keyed values for a paused run (`send_input`, `wait_for_input`), and the
input a resume carries for a run that paused waiting for one."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.server.api.flow_helpers import create_flow_run, set_state

pytestmark = pytest.mark.anyio


async def test_create_read_filter_delete(client: httpx.AsyncClient) -> None:
    run = await create_flow_run(client)
    path = f"/flow_runs/{run['id']}/input"
    for key, value in (("greeting-1", '"hi"'), ("greeting-2", '{"a": 1}'), ("other", "3")):
        response = await client.post(path, json={"key": key, "value": value, "sender": "me"})
        assert response.status_code == 201, response.text
    read = await client.get(f"{path}/greeting-2")
    assert (read.status_code, read.text) == (200, '{"a": 1}') and read.headers["content-type"].startswith("text/plain")
    duplicate = await client.post(path, json={"key": "other", "value": "4"})
    conflict = {"detail": "A flow run input with this key already exists."}
    assert (duplicate.status_code, duplicate.json()) == (409, conflict)

    found = (await client.post(f"{path}/filter", json={"prefix": "greeting", "limit": 10,
                                                       "exclude_keys": ["greeting-1"]})).json()
    assert [(item["key"], item["value"], item["sender"]) for item in found] == [("greeting-2", '{"a": 1}', "me")]
    assert len((await client.post(f"{path}/filter", json={"prefix": ""})).json()) == 1  # limit defaults to 1

    assert (await client.delete(f"{path}/other")).status_code == 204
    missing = await client.get(f"{path}/other")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Flow run input not found"})
    assert (await client.delete(f"{path}/other")).status_code == 404


async def test_bad_input_is_4xx(client: httpx.AsyncClient) -> None:
    run = await create_flow_run(client)
    bad_key = await client.post(f"/flow_runs/{run['id']}/input", json={"key": "Not_OK", "value": "1"})
    assert bad_key.status_code == 422
    unknown = await client.post(f"/flow_runs/{uuid.uuid4()}/input", json={"key": "k", "value": "1"})
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "Flow run not found"})


async def test_resume_stores_the_input_a_pause_waits_for(client: httpx.AsyncClient) -> None:
    run = await create_flow_run(client)
    await set_state(client, run, "RUNNING")
    keyset = {"description": "k-description", "response": "k-response", "schema": "k-schema"}
    await set_state(client, run, "PAUSED", state_details={"run_input_keyset": keyset})
    resumed = await client.post(f"/flow_runs/{run['id']}/resume", json={"run_input": {"answer": 42}})
    assert resumed.json()["status"] == "ACCEPT", resumed.text
    stored = await client.get(f"/flow_runs/{run['id']}/input/k-response")
    assert stored.status_code == 200 and stored.text == '{"answer":42}'
