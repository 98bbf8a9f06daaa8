"""Generated run names look like Prefect's: `adjective-animal`."""

from __future__ import annotations

import re

from asgi_api.server.schemas import generate_run_name
from asgi_api.server.schemas.names import ADJECTIVES, ANIMALS


def test_run_names_are_adjective_dash_animal() -> None:
    names = {generate_run_name() for _ in range(200)}
    assert len(names) > 100
    for name in names:
        adjective, animal = name.split("-")
        assert adjective in ADJECTIVES and animal in ANIMALS
        assert re.fullmatch(r"[a-z]+-[a-z]+", name)


def test_word_lists_are_large_and_distinct() -> None:
    assert len(set(ADJECTIVES)) == len(ADJECTIVES) >= 50
    assert len(set(ANIMALS)) == len(ANIMALS) >= 50
