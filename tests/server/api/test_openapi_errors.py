"""The server's OpenAPI document describes the error bodies the server really sends: each response
below is validated against the schema the document gives for its operation and status."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

pytestmark = pytest.mark.anyio


def schema_of(document: dict[str, Any], path: str, method: str, status: int) -> Draft202012Validator:
    """A validator for the JSON body the document promises for (path, method, status)."""
    registry = Registry().with_resource("urn:api", Resource.from_contents(document, DRAFT202012))
    pointer = "/".join(part.replace("~", "~0").replace("/", "~1") for part in (
        "paths", path, method, "responses", str(status), "content", "application/json", "schema"))
    return Draft202012Validator({"$ref": f"urn:api#/{pointer}"}, registry=registry)


async def test_error_bodies_match_the_document(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    cases = [
        ("/flows/", "post", {}, 422),  # a validation error: Prefect's shape
        ("/flows/filter", "post", {"limit": 201}, 422),  # raised by the route: {"detail": ...}
        ("/flow_runs/filter", "post", {"offset": 2**63}, 422),
    ]
    for path, method, body, status in cases:
        response = await client.request(method, path, json=body)
        assert response.status_code == status, response.text
        schema_of(document, path, method, status).validate(response.json())
    for operations in document["paths"].values():
        for operation in operations.values():
            assert "503" in operation["responses"]
            assert "Retry-After" in operation["responses"]["503"]["headers"]
            if "requestBody" in operation:
                assert {"408", "413"} <= set(operation["responses"])
    schemas = document["components"]["schemas"]
    assert schemas["PrefectValidationError"]["required"] == ["exception_message", "exception_detail"]


async def test_events_document_their_required_resource_labels(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    event = document["components"]["schemas"]["Event"]["properties"]
    assert event["resource"]["required"] == ["prefect.resource.id"]
    assert event["related"]["items"]["required"] == ["prefect.resource.id", "prefect.resource.role"]
    response = await client.post("/events", json=[{"id": "00000000-0000-4000-8000-000000000001",
                                                   "occurred": "2025-01-01T00:00:00Z", "event": "x", "resource": {}}])
    assert response.status_code == 422


async def test_the_fastapi_shape_alone_would_not_match(client: httpx.AsyncClient) -> None:
    """The check above can fail: FastAPI's own 422 schema does not accept Prefect's body."""
    document = (await client.get("/openapi.json")).json()
    document["components"]["schemas"]["HTTPValidationError"] = {
        "type": "object", "properties": {"detail": {"type": "array"}}, "required": ["detail"]}
    response = await client.post("/flows/", json={})
    assert not schema_of(document, "/flows/", "post", 422).is_valid(response.json())


async def test_statuses_are_documented_from_what_each_route_is(client: httpx.AsyncClient) -> None:
    """400/408/413 with a body, 404 with path parameters or a write, 409 with a write, and the
    statuses an endpoint sets or raises itself; each real answer fits what is documented for it."""
    document = (await client.get("/openapi.json")).json()

    def statuses(path: str, method: str) -> set[str]:
        return set(document["paths"][path][method]["responses"])

    assert {"200", "201", "400", "404", "409", "422"} <= statuses("/flows/", "post")  # 201 new, 200 known
    assert {"404", "503"} <= statuses("/flows/{id}", "get") and "409" not in statuses("/flows/{id}", "get")
    assert not {"404", "409"} & statuses("/flows/filter", "post")  # a read with no path parameter
    assert "423" in statuses("/concurrency_limits/increment", "post")
    assert "410" in statuses("/v2/concurrency_limits/leases/{lease_id}/renew", "post")
    created = await client.post("/variables/", json={"name": "taken", "value": 1})
    answers = [
        ("/flows/", "post", await client.post("/flows/", json={"name": "f"})),
        ("/flows/", "post", await client.post("/flows/", json={"name": "f"})),
        ("/flows/{id}", "get", await client.get("/flows/00000000-0000-4000-8000-000000000000")),
        ("/flows/{id}", "get", await client.get("/flows/not-a-uuid")),
        ("/variables/", "post", await client.post("/variables/", json={"name": "taken", "value": 2})),
        ("/flows/filter", "post", await client.post("/flows/filter", content=b'{"a": "\xed\xa0\x80"}',
                                                    headers={"content-type": "application/json"})),
    ]
    assert created.status_code == 201
    assert [response.status_code for *_, response in answers] == [201, 200, 404, 404, 409, 400]
    for path, method, response in answers:
        schema_of(document, path, method, response.status_code).validate(response.json())
