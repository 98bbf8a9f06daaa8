"""Blocks made and used with Prefect: `prefect block register`, saved `Secret`s loaded in a flow, and
flow results persisted to a saved `LocalFileSystem` block, then listed by Prefect's CLI."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from asgi_api.server.subprocess import SubprocessASGIServer
from tests.server.e2e.test_prefect_client import prefect, run_script

__all__ = ["prefect"]  # the fixture, shared with the other Prefect tests


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_blocks_register_save_load_and_store_results(prefect: Path, server: SubprocessASGIServer,
                                                     tmp_path: Path) -> None:
    results = tmp_path / "block-results"
    results.mkdir()
    report = run_script(prefect, "blocks.py", server, tmp_path, str(results))
    assert "Secret" in report["register"], report["register"]
    assert report["secrets"] == {"token": "s3cr3t-value", "settings": {"user": "ada", "port": 5432}}
    # The flow's and the task's results were written through the saved block, and read back.
    assert (report["state"], report["result"]) == ("COMPLETED", 37)
    assert len(report["files"]) == 2, report["files"]
    for slug in ("secret", "local-file-system"):
        assert slug in report["type_ls"], report["type_ls"]
    for name in ("secret/e2e-token", "secret/e2e-settings", "local-file-system/e2e-results"):
        assert name in report["ls"], report["ls"]
    assert "********" in report["inspect"] and "s3cr3t" not in report["inspect"], report["inspect"]

    with httpx.Client(base_url=server.api_url, timeout=10.0, trust_env=False) as api:
        # Saving again registered nothing twice: the client found its schemas by checksum.
        schemas = api.post("/block_schemas/filter", json={}).json()
        assert sorted(schema["block_type"]["slug"] for schema in schemas) == ["local-file-system", "secret"]
        stored = api.get("/block_types/slug/local-file-system/block_documents/name/e2e-results").json()
        assert stored["data"]["basepath"] == str(results)
