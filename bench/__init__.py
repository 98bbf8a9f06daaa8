"""Benchmark harness: `python -m bench` compares asgi_api with FastAPI, Litestar and Starlette.

Every peer serves the same three endpoints (see `bench/apps/`); `bench.driver` calls each app
through the raw ASGI interface in this process, and `bench.startup` measures import cost in fresh
interpreters.
"""
