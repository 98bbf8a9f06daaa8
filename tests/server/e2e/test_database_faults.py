"""The database fails under a real server: only 2xx or 503 + `Retry-After` are answered during the
fault, `/api/ready` tells the truth, everything acknowledged is kept, and service resumes after.

- PostgreSQL: every backend of the server is terminated (`pg_terminate_backend`) several times
  while clients write and read.
- SQLite read-only: the database files become immutable (`chattr +i`) under a running server; a
  server refuses to start on such a file.
- SQLite full: the database lives on a small tmpfs that is filled up.

The SQLite faults need root (chattr, mount); without it they skip, except under CI=true.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from asgi_api.server.subprocess import SubprocessASGIServer
from tests.server.e2e.conftest import START_TIMEOUT, free_port, require

pytestmark = pytest.mark.anyio

CLIENTS = 24
WRITES_PER_CLIENT = 15
KILL_ROUNDS = 6
RETRIES = 100


def start(env: dict[str, str]) -> SubprocessASGIServer:
    server = SubprocessASGIServer(free_port(), env={**env, "ASGI_API_UI_ENABLED": "false"})
    server.start(timeout=START_TIMEOUT)
    return server


def http(server: SubprocessASGIServer) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=server.api_url, timeout=30.0, trust_env=False)


def assert_2xx_or_503(response: httpx.Response) -> None:
    """The only answers allowed during a fault; a 503 says when to retry, in JSON."""
    if response.status_code == 503:
        assert response.headers["retry-after"] == "1"
        assert response.headers["content-type"] == "application/json"
        return
    assert 200 <= response.status_code < 300, response.text


# --- PostgreSQL: backends terminated under load ------------------------------------------------


async def terminate_backends(url: str) -> None:
    connection = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(
        hide_password=False), timeout=5)
    try:
        await connection.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    finally:
        await connection.close()


async def test_postgres_backends_terminated_under_load(postgres_url: str, tmp_path: Path) -> None:
    server = start({"ASGI_API_HOME": str(tmp_path), "ASGI_API_DATABASE_URL": postgres_url})
    answers: dict[int, int] = {}
    acknowledged: list[str] = []
    try:
        async with http(server) as client:
            flow = (await client.post("/flows/", json={"name": "faults"})).json()

            async def writer(number: int) -> None:
                for item in range(WRITES_PER_CLIENT):
                    key = f"{number}-{item}"
                    for _ in range(RETRIES):
                        body = {"flow_id": flow["id"], "idempotency_key": key}
                        response = await client.post("/flow_runs/", json=body)
                        answers[response.status_code] = answers.get(response.status_code, 0) + 1
                        assert_2xx_or_503(response)
                        read = await client.post("/flow_runs/filter", json={"limit": 5})
                        answers[read.status_code] = answers.get(read.status_code, 0) + 1
                        assert_2xx_or_503(read)
                        if response.status_code != 503:
                            acknowledged.append(response.json()["id"])
                            break
                        await asyncio.sleep(0.05)
                    else:
                        pytest.fail(f"write {key} never succeeded")

            async def killer() -> None:
                for _ in range(KILL_ROUNDS):
                    await asyncio.sleep(0.3)
                    await terminate_backends(postgres_url)

            await asyncio.gather(killer(), *(writer(number) for number in range(CLIENTS)))
            # Service resumed: ready, and every acknowledged run is there (idempotent retries made no duplicates).
            assert (await client.get("/ready")).status_code == 200
            stored = await client.post("/flow_runs/count", json={})
            assert stored.json() == CLIENTS * WRITES_PER_CLIENT
            for run_id in set(acknowledged):
                assert (await client.get(f"/flow_runs/{run_id}")).status_code == 200
    finally:
        server.stop()
    assert set(answers) <= {200, 201, 503}, answers


# --- SQLite: read-only and full -----------------------------------------------------------------


def run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True)


@pytest.fixture
def as_root() -> None:
    if os.geteuid() != 0 or shutil.which("chattr") is None:
        require("root and chattr are needed to make files read-only for a root-run server")


def database_files(home: Path) -> list[Path]:
    """The database and its WAL; not the shared-memory index: SQLite maps it, and writing to a
    mapping of an immutable file kills the process (SIGBUS) -- a fault no real file system makes."""
    return [path for path in sorted(home.glob("asgi_api.db*")) if not path.name.endswith("-shm")]


def sqlite_env(home: Path) -> dict[str, str]:
    return {"ASGI_API_HOME": str(home), "ASGI_API_DATABASE_URL": f"sqlite+aiosqlite:///{home / 'asgi_api.db'}"}


@pytest.fixture
def immutable(tmp_path: Path, as_root: None) -> Iterator[list[Path]]:
    """Paths made immutable during the test; made mutable again at its end, whatever happened."""
    paths: list[Path] = []
    yield paths
    for path in paths:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)


async def test_sqlite_read_only_is_503_and_not_ready(tmp_path: Path, immutable: list[Path]) -> None:
    home = tmp_path / "home"
    env = sqlite_env(home)
    server = start(env)
    try:
        async with http(server) as client:
            assert (await client.post("/flows/", json={"name": "before"})).status_code == 201
            for path in [*database_files(home), home]:
                run("chattr", "+i", str(path))
                immutable.append(path)
            write = await client.post("/flows/", json={"name": "while-read-only"})
            assert write.status_code == 503, write.text
            assert_2xx_or_503(write)
            ready = await client.get("/ready")
            assert ready.status_code == 503
            for path in immutable:
                run("chattr", "-i", str(path))
            for _ in range(RETRIES):
                after = await client.post("/flows/", json={"name": "after"})
                assert_2xx_or_503(after)
                if after.status_code == 201:
                    break
                await asyncio.sleep(0.1)
            assert after.status_code == 201
            assert (await client.get("/ready")).status_code == 200
            names = [flow["name"] for flow in (await client.post("/flows/filter", json={})).json()]
            assert sorted(names) == ["after", "before"]
    finally:
        server.stop()
    for path in [*database_files(home), home]:
        run("chattr", "+i", str(path))
        immutable.append(path)
    with pytest.raises(RuntimeError):
        start(env)  # a read-only database must not come up as ready


@pytest.fixture
def small_disk(tmp_path: Path, as_root: None) -> Iterator[Path]:
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount_point))
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


async def test_sqlite_disk_full_is_503_and_not_ready(small_disk: Path) -> None:
    home = small_disk / "home"
    server = start(sqlite_env(home))
    filler = small_disk / "filler"
    try:
        async with http(server) as client:
            assert (await client.post("/flows/", json={"name": "before"})).status_code == 201
            with filler.open("wb") as file:
                try:
                    while True:
                        file.write(b"\0" * 65536)
                        file.flush()
                except OSError:
                    pass
            big = {"name": "full", "tags": [uuid.uuid4().hex * 40 for _ in range(200)]}
            write = await client.post("/flows/", json=big)
            assert write.status_code == 503, write.text
            assert_2xx_or_503(write)
            assert (await client.get("/ready")).status_code == 503
            filler.unlink()
            for _ in range(RETRIES):
                after = await client.post("/flows/", json=big)
                assert_2xx_or_503(after)
                if after.status_code == 201:
                    break
                await asyncio.sleep(0.1)
            assert after.status_code == 201
            assert (await client.get("/ready")).status_code == 200
            names = [flow["name"] for flow in (await client.post("/flows/filter", json={})).json()]
            assert sorted(names) == ["before", "full"]
    finally:
        server.stop()
