"""The benchmark harness runs end to end: every peer answers every endpoint correctly, the events
stream is timed until every task run is recorded, the PostgreSQL workers get their write mix.

Speed is never asserted here (that is `make bench`'s report); `--quick` only proves that the
harness works and that the four apps give the same answers, which it checks before timing.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_benchmark_report() -> None:
    run = subprocess.run([sys.executable, "-m", "bench", "--quick", "--only", "framework"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    for peer in ("asgi_api", "FastAPI", "Litestar", "Starlette"):
        assert peer in run.stdout
    for endpoint in ("health", "read", "create"):
        assert any(line.split()[:2] == [endpoint, "asgi_api/FastAPI"] for line in run.stdout.splitlines())
    assert "targets:" in run.stdout


def test_chart_draws_both_servers_on_a_log_scale(tmp_path: Path) -> None:
    from xml.etree import ElementTree

    from bench import chart

    path = tmp_path / "server.svg"
    chart.draw(path, "title", [("GET /api/health", {"asgi_api": 10_000, "Prefect": 100}),
                               ("POST /api/flows/", {"asgi_api": 1_000})])
    svg = ElementTree.parse(path).getroot()
    bars = [float(rect.get("width", 0)) for rect in svg.iter("{http://www.w3.org/2000/svg}rect")
            if rect.get("x") == str(chart.LABEL_W) and float(rect.get("y", 0)) >= chart.TOP]  # not the legend
    assert bars == [chart.PLOT_W, chart.PLOT_W / 2, chart.PLOT_W * 3 / 4]  # 10^4, 10^2, 10^3 of 10^4
    texts = [text.text for text in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert "10,000" in texts and "100" in texts and "not measured" in texts


def test_events_stream_is_timed_until_every_task_run_is_recorded(tmp_path: Path) -> None:
    from bench.events_in import EventsLoad, stream_events
    from bench.servers import AsgiApiServer

    server = AsgiApiServer(tmp_path)
    try:
        server.start()
        result = stream_events(server.api_url, EventsLoad(task_runs=30, timeout_s=60.0))
    finally:
        server.stop()
    assert (result.events, result.stored, result.task_runs, result.completed) == (90, 90, 30, 30)
    assert result.complete and result.rate > 0


def test_postgres_workers_get_the_write_mix_on_throw_away_databases() -> None:
    import asyncio

    import asyncpg
    import pytest

    from bench import workers
    from bench.load import Load

    url, where = workers.postgres_url()
    if url is None:
        pytest.skip(where)
    scaling = workers.scale(url, Load(requests=20, budget_s=10.0))
    assert set(scaling.rates) == {1, 2} and all(rate > 0 for rate in scaling.rates.values())

    async def leftovers() -> list[str]:
        connection = await asyncpg.connect(url, timeout=5)
        try:
            rows = await connection.fetch("SELECT datname FROM pg_database WHERE datname LIKE 'asgi_api_bench_%'")
        finally:
            await connection.close()
        return [row["datname"] for row in rows]

    assert asyncio.run(leftovers()) == []
