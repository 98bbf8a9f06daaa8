"""Block types, schemas and documents on each backend: Prefect's wire format, checksums, masked
secrets (nested and wildcard), nested documents, filters, lookups by slug and name, bad input."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.anyio

SECRET_FIELDS = {"title": "Secret", "type": "object", "block_type_slug": "secret", "secret_fields": ["value"],
                 "properties": {"value": {"type": "string", "format": "password", "writeOnly": True}},
                 "required": ["value"], "block_schema_references": {}}
CREDENTIALS_FIELDS = {"title": "Credentials", "type": "object", "block_type_slug": "credentials",
                      "secret_fields": ["password", "extra.*"], "block_schema_references": {},
                      "properties": {"user": {"type": "string"}, "password": {"type": "string"},
                                     "extra": {"type": "object"}}}


async def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def _block_type(client: httpx.AsyncClient, slug: str, **fields: Any) -> dict[str, Any]:
    body = {"name": slug.replace("-", " ").title(), "slug": slug, **fields}
    return await _ok(await client.post("/block_types/", json=body), 201)


async def _schema(client: httpx.AsyncClient, block_type: dict[str, Any], fields: dict[str, Any],
                  **extra: Any) -> dict[str, Any]:
    return await _ok(await client.post("/block_schemas/", json={
        "block_type_id": block_type["id"], "fields": fields, **extra}), 201)


async def _registered(client: httpx.AsyncClient, slug: str, fields: dict[str, Any],
                      **extra: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    block_type = await _block_type(client, slug)
    return block_type, await _schema(client, block_type, fields, **extra)


async def _document(client: httpx.AsyncClient, schema: dict[str, Any], name: str | None, data: dict[str, Any],
                    **extra: Any) -> dict[str, Any]:
    return await _ok(await client.post("/block_documents/", json={
        "name": name, "data": data, "block_schema_id": schema["id"], "block_type_id": schema["block_type_id"],
        **extra}), 201)


def _client_checksum(fields: dict[str, Any]) -> str:
    """Prefect's client's checksum (`Block._calculate_schema_checksum`) for a schema without
    definitions: secret_fields dropped, then sha256 of `json.dumps(((fields,), {}), sort_keys=True)`."""
    hashed = {key: value for key, value in fields.items() if key != "secret_fields"}
    return "sha256:" + hashlib.sha256(json.dumps([[hashed], {}], sort_keys=True).encode()).hexdigest()


async def test_block_types_create_read_filter_update_delete(client: httpx.AsyncClient) -> None:
    created = await _block_type(client, "my-store", description="Keeps <b>things</b>", code_example="a < b")
    assert set(created) == {"id", "created", "updated", "name", "slug", "logo_url", "documentation_url",
                            "description", "code_example", "is_protected"}
    # Stored HTML-escaped, as Prefect stores them.
    assert (created["name"], created["description"], created["code_example"], created["is_protected"]) == (
        "My Store", "Keeps &lt;b&gt;things&lt;/b&gt;", "a &lt; b", False)
    assert await _ok(await client.get(f"/block_types/{created['id']}")) == created
    assert await _ok(await client.get("/block_types/slug/my-store")) == created
    await _block_type(client, "other-thing")

    names = [item["slug"] for item in await _ok(await client.post("/block_types/filter", json={}))]
    assert names == ["my-store", "other-thing"]
    found = await _ok(await client.post("/block_types/filter", json={"block_types": {"name": {"like_": "STORE"}}}))
    assert [item["slug"] for item in found] == ["my-store"]
    found = await _ok(await client.post("/block_types/filter", json={"block_types": {"slug": {"any_": ["other-thing"]}},
                                                                     "limit": 5, "offset": 0}))
    assert [item["slug"] for item in found] == ["other-thing"]

    # The same description unescaped is no change; a new one is.
    await _ok(await client.patch(f"/block_types/{created['id']}", json={"description": "Keeps <b>things</b>"}), 204)
    assert (await _ok(await client.get(f"/block_types/{created['id']}")))["updated"] == created["updated"]
    await _ok(await client.patch(f"/block_types/{created['id']}", json={"logo_url": "https://example.com/x.png"}),
              204)
    updated = await _ok(await client.get(f"/block_types/{created['id']}"))
    assert (updated["logo_url"], updated["description"]) == ("https://example.com/x.png", created["description"])

    await _ok(await client.delete(f"/block_types/{created['id']}"), 204)
    assert (await client.get(f"/block_types/{created['id']}")).json() == {"detail": "Block type not found"}


async def test_block_type_bad_input(client: httpx.AsyncClient) -> None:
    await _block_type(client, "taken")
    duplicate = await client.post("/block_types/", json={"name": "Taken", "slug": "taken-too"})
    assert (duplicate.status_code, duplicate.json()) == (409, {"detail": 'Block type with name "Taken" already exists'})
    reserved = await client.post("/block_types/", json={"name": "Prefect Thing", "slug": "prefect-thing"})
    assert (reserved.status_code, reserved.json()) == (
        403, {"detail": "Block type names beginning with 'Prefect' are reserved."})
    assert (await client.post("/block_types/", json={"name": "Bad", "slug": "Not A Slug"})).status_code == 422
    assert (await client.post("/block_types/", json={"name": "a/b", "slug": "a-b"})).status_code == 422
    unknown = "00000000-0000-0000-0000-000000000000"
    assert (await client.get("/block_types/slug/nope")).status_code == 404
    assert (await client.patch(f"/block_types/{unknown}", json={})).status_code == 404
    assert (await client.delete(f"/block_types/{unknown}")).status_code == 404
    assert (await client.post("/block_types/filter", json={"limit": 201})).status_code == 422


async def test_block_schemas_by_checksum_and_version(client: httpx.AsyncClient) -> None:
    block_type, schema = await _registered(client, "secret", SECRET_FIELDS, capabilities=["read"], version="3.6.29")
    assert set(schema) == {"id", "created", "updated", "checksum", "fields", "block_type_id", "block_type",
                           "capabilities", "version"}
    assert schema["checksum"] == _client_checksum(SECRET_FIELDS)
    assert (schema["fields"], schema["block_type"], schema["version"]) == (SECRET_FIELDS, block_type, "3.6.29")

    # Registering the same schema again answers 200 with the stored one.
    again = await client.post("/block_schemas/", json={"block_type_id": block_type["id"], "fields": SECRET_FIELDS,
                                                       "version": "3.6.29"})
    assert (again.status_code, again.json()["id"]) == (200, schema["id"])
    other_version = await _schema(client, block_type, SECRET_FIELDS)
    assert (other_version["version"], other_version["checksum"]) == ("non-versioned", schema["checksum"])

    checksum = schema["checksum"]
    assert (await _ok(await client.get(f"/block_schemas/checksum/{checksum}", params={"version": "3.6.29"})))[
        "id"] == schema["id"]
    assert (await _ok(await client.get(f"/block_schemas/checksum/{checksum}")))["id"] == other_version["id"]
    assert (await client.get(f"/block_schemas/checksum/{checksum}", params={"version": "9"})).status_code == 404
    assert await _ok(await client.get(f"/block_schemas/{schema['id']}")) == schema

    _, credentials = await _registered(client, "credentials", CREDENTIALS_FIELDS, capabilities=["read", "write"])
    listed = await _ok(await client.post("/block_schemas/filter", json={}))
    assert [item["id"] for item in listed] == [credentials["id"], other_version["id"], schema["id"]]  # newest first
    found = await _ok(await client.post("/block_schemas/filter", json={
        "block_schemas": {"block_capabilities": {"all_": ["read", "write"]}}}))
    assert [item["id"] for item in found] == [credentials["id"]]
    found = await _ok(await client.post("/block_schemas/filter", json={
        "block_schemas": {"version": {"any_": ["3.6.29"]}, "block_type_id": {"any_": [block_type["id"]]}}}))
    assert [item["id"] for item in found] == [schema["id"]]
    assert await _ok(await client.get("/block_capabilities/")) == ["read", "write"]
    types = await _ok(await client.post("/block_types/filter", json={
        "block_schemas": {"block_capabilities": {"all_": ["write"]}}}))
    assert [item["slug"] for item in types] == ["credentials"]

    await _ok(await client.delete(f"/block_schemas/{schema['id']}"), 204)
    assert (await client.get(f"/block_schemas/{schema['id']}")).json() == {"detail": "Block schema not found"}


async def test_block_schema_bad_input(client: httpx.AsyncClient) -> None:
    unknown = "00000000-0000-0000-0000-000000000000"
    response = await client.post("/block_schemas/", json={"block_type_id": unknown, "fields": {}})
    assert (response.status_code, response.json()) == (404, {"detail": f"Block type {unknown} not found."})
    block_type = await _block_type(client, "parent")
    nesting = {**SECRET_FIELDS, "block_type_slug": "parent",
               "block_schema_references": {"inner": {"block_type_slug": "missing", "block_schema_checksum": "x"}}}
    response = await client.post("/block_schemas/", json={"block_type_id": block_type["id"], "fields": nesting})
    assert response.status_code == 409 and "'missing' was not found" in response.json()["detail"]
    assert await _ok(await client.post("/block_schemas/filter", json={})) == []
    assert (await client.post("/block_schemas/", json={"fields": {}})).status_code == 422
    assert (await client.delete(f"/block_schemas/{unknown}")).status_code == 404


async def test_secrets_are_masked_unless_asked_for(client: httpx.AsyncClient) -> None:
    _, schema = await _registered(client, "credentials", CREDENTIALS_FIELDS)
    data = {"user": "ada", "password": "hunter2", "extra": {"token": "t0k", "nested": {"key": "k"}}}
    created = await _document(client, schema, "prod", data)
    masked = {"user": "ada", "password": "********", "extra": {"token": "********", "nested": {"key": "********"}}}
    assert created["data"] == masked
    assert set(created) == {"id", "created", "updated", "name", "data", "block_schema_id", "block_schema",
                            "block_type_id", "block_type_name", "block_type", "block_document_references",
                            "is_anonymous"}
    assert (created["block_type_name"], created["block_type"]["slug"], created["block_schema"]["id"],
            created["is_anonymous"], created["block_document_references"]) == (
        "Credentials", "credentials", schema["id"], False, {})
    path = f"/block_documents/{created['id']}"
    assert (await _ok(await client.get(path)))["data"] == masked
    assert (await _ok(await client.get(path, params={"include_secrets": "true"})))["data"] == data
    by_name = "/block_types/slug/credentials/block_documents/name/prod"
    assert (await _ok(await client.get(by_name)))["data"] == masked
    assert (await _ok(await client.get(by_name, params={"include_secrets": True})))["data"] == data
    filtered = await _ok(await client.post("/block_documents/filter", json={"include_secrets": True}))
    assert [item["data"] for item in filtered] == [data]

    # A client saving back what it read (masked) keeps the stored secrets; new values replace them.
    await _ok(await client.patch(path, json={"data": {**masked, "user": "grace"}}), 204)
    assert (await _ok(await client.get(path, params={"include_secrets": True})))["data"] == {**data, "user": "grace"}
    await _ok(await client.patch(path, json={"data": {"password": "new"}}), 204)  # merged into the stored data
    assert (await _ok(await client.get(path, params={"include_secrets": True})))["data"] == {
        **data, "user": "grace", "password": "new"}
    await _ok(await client.patch(path, json={"data": {"user": "only"}, "merge_existing_data": False}), 204)
    assert (await _ok(await client.get(path, params={"include_secrets": True})))["data"] == {"user": "only"}


async def test_nested_documents(client: httpx.AsyncClient) -> None:
    _, credentials = await _registered(client, "credentials", CREDENTIALS_FIELDS)
    bucket_fields = {"title": "Bucket", "type": "object", "block_type_slug": "bucket", "secret_fields": [],
                     "properties": {"name": {"type": "string"}, "credentials": {"$ref": "#/definitions/Credentials"}},
                     "block_schema_references": {"credentials": {
                         "block_type_slug": "credentials", "block_schema_checksum": credentials["checksum"]}},
                     "definitions": {"Credentials": CREDENTIALS_FIELDS}}
    _, bucket = await _registered(client, "bucket", bucket_fields)
    assert bucket["fields"] == bucket_fields
    inner = await _document(client, credentials, "inner", {"user": "ada", "password": "pw"})
    outer = await _document(client, bucket, "outer", {"name": "data", "credentials": {
        "$ref": {"block_document_id": inner["id"]}}})
    assert outer["data"] == {"name": "data", "credentials": {"user": "ada", "password": "********"}}
    reference = outer["block_document_references"]["credentials"]["block_document"]
    assert (reference["id"], reference["name"], reference["block_type"]["slug"], reference["is_anonymous"],
            reference["block_document_references"]) == (inner["id"], "inner", "credentials", False, {})
    revealed = await _ok(await client.get(f"/block_documents/{outer['id']}", params={"include_secrets": True}))
    assert revealed["data"]["credentials"] == {"user": "ada", "password": "pw"}

    missing = "00000000-0000-0000-0000-000000000000"
    response = await client.post("/block_documents/", json={
        "name": "broken", "block_schema_id": bucket["id"], "block_type_id": bucket["block_type_id"],
        "data": {"credentials": {"$ref": {"block_document_id": missing}}}})
    assert (response.status_code, response.json()) == (400, {"detail": f"Block document {missing} not found."})
    response = await client.post("/block_documents/", json={
        "name": "broken", "block_schema_id": bucket["id"], "block_type_id": bucket["block_type_id"],
        "data": {"credentials": {"$ref": {}}}})
    assert response.status_code == 400
    assert await _ok(await client.post("/block_documents/count", json={})) == 2  # nothing half-written

    # Deleting the nested document drops it from the outer one.
    await _ok(await client.delete(f"/block_documents/{inner['id']}"), 204)
    assert (await _ok(await client.get(f"/block_documents/{outer['id']}")))["data"] == {"name": "data"}


async def test_document_filters_names_and_anonymous_blocks(client: httpx.AsyncClient) -> None:
    secret_type, secret = await _registered(client, "secret", SECRET_FIELDS)
    _, credentials = await _registered(client, "credentials", CREDENTIALS_FIELDS)
    for name in ("beta", "alpha"):
        await _document(client, secret, name, {"value": name})
    await _document(client, credentials, "gamma", {"user": "u"})
    anonymous = await _document(client, secret, None, {"value": "x"}, is_anonymous=True)
    assert anonymous["name"].startswith("anonymous-") and anonymous["is_anonymous"] is True

    async def names(body: dict[str, Any]) -> list[str]:
        return [item["name"] for item in await _ok(await client.post("/block_documents/filter", json=body))]

    assert await names({}) == ["alpha", "beta", "gamma"]  # anonymous ones left out by default
    assert await names({"block_documents": {}}) == ["alpha", "beta", "gamma"]
    assert len(await names({"block_documents": {"is_anonymous": None}})) == 4
    assert await names({"block_documents": {"is_anonymous": {"eq_": True}}}) == [anonymous["name"]]
    assert await names({"sort": "NAME_DESC"}) == ["gamma", "beta", "alpha"]
    assert await names({"sort": "BLOCK_TYPE_AND_NAME_ASC"}) == ["gamma", "alpha", "beta"]  # Credentials < Secret
    assert await names({"block_types": {"slug": {"any_": ["secret"]}}}) == ["alpha", "beta"]
    assert await names({"block_schemas": {"id": {"any_": [credentials["id"]]}}}) == ["gamma"]
    assert await names({"block_documents": {"name": {"like_": "ET"}}}) == ["beta"]
    either = {"operator": "or_", "name": {"any_": ["alpha"]}, "block_type_id": {"any_": [credentials["block_type_id"]]}}
    # As in Prefect, the default `is_anonymous` criterion is one of the criteria `or_` joins.
    assert len(await names({"block_documents": either})) == 3
    assert await names({"block_documents": {**either, "is_anonymous": None}}) == ["alpha", "gamma"]
    assert await names({"limit": 1, "offset": 1}) == ["beta"]
    assert await _ok(await client.post("/block_documents/count", json={})) == 3
    assert await _ok(await client.post("/block_documents/count", json={
        "block_types": {"slug": {"any_": ["secret"]}}})) == 2
    listed = await _ok(await client.get("/block_types/slug/secret/block_documents"))
    assert [item["name"] for item in listed] == ["alpha", "beta"]
    assert [item["data"] for item in listed] == [{"value": "********"}] * 2
    assert (await client.get("/block_types/slug/nope/block_documents")).status_code == 404

    # A name is unique per block type only.
    duplicate = await client.post("/block_documents/", json={
        "name": "alpha", "data": {}, "block_schema_id": secret["id"], "block_type_id": secret_type["id"]})
    assert (duplicate.status_code, duplicate.json()) == (409, {"detail": "Block already exists"})
    await _document(client, credentials, "alpha", {})


async def test_document_bad_input(client: httpx.AsyncClient) -> None:
    secret_type, secret = await _registered(client, "secret", SECRET_FIELDS)
    _, credentials = await _registered(client, "credentials", CREDENTIALS_FIELDS)
    base = {"block_schema_id": secret["id"], "block_type_id": secret_type["id"], "data": {}}
    unnamed = await client.post("/block_documents/", json=base)
    assert unnamed.status_code == 422 and "Names must be provided for block documents." in unnamed.text
    assert (await client.post("/block_documents/", json={**base, "name": "Has Spaces"})).status_code == 422
    wrong = await client.post("/block_documents/", json={**base, "name": "x", "block_schema_id": credentials["id"]})
    assert wrong.status_code == 400
    unknown = "00000000-0000-0000-0000-000000000000"
    assert (await client.post("/block_documents/", json={**base, "name": "x", "block_type_id": unknown})
            ).status_code == 404
    assert (await client.post("/block_documents/", json={**base, "name": "x", "block_schema_id": unknown})
            ).status_code == 404

    document = await _document(client, secret, "kept", {"value": "v"})
    path = f"/block_documents/{document['id']}"
    moved = await client.patch(path, json={"data": {"value": "w"}, "block_schema_id": credentials["id"]})
    assert (moved.status_code, moved.json()) == (
        400, {"detail": "Must migrate block document to a block schema of the same block type."})
    assert (await _ok(await client.get(path, params={"include_secrets": True})))["data"] == {"value": "v"}
    assert (await client.patch(f"/block_documents/{unknown}", json={"data": {}})).status_code == 404
    assert (await client.get(f"/block_documents/{unknown}")).json() == {"detail": "Block document not found"}
    assert (await client.get("/block_types/slug/secret/block_documents/name/nope")).status_code == 404
    await _ok(await client.delete(path), 204)
    assert (await client.delete(path)).status_code == 404


async def test_deleting_a_type_deletes_its_schemas_and_documents(client: httpx.AsyncClient) -> None:
    block_type, schema = await _registered(client, "secret", SECRET_FIELDS)
    await _document(client, schema, "gone", {"value": "v"})
    await _ok(await client.delete(f"/block_types/{block_type['id']}"), 204)
    assert await _ok(await client.post("/block_schemas/filter", json={})) == []
    assert await _ok(await client.post("/block_documents/count", json={"block_documents": {"is_anonymous": None}})) == 0
