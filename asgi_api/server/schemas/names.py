"""Readable run names ("witty-otter") for runs created without one, as Prefect's server does."""

from __future__ import annotations

import random

ADJECTIVES = (
    "agile", "amber", "ancient", "bold", "brave", "breezy", "bright", "calm", "clever", "cosmic",
    "crimson", "curious", "daring", "dapper", "eager", "electric", "fearless", "fiery", "gentle",
    "gilded", "glowing", "golden", "graceful", "humble", "icy", "jolly", "keen", "lively", "lucky",
    "mellow", "mighty", "misty", "nimble", "noble", "patient", "placid", "plucky", "quick",
    "quiet", "radiant", "rugged", "rustic", "silver", "sleepy", "spry", "steady", "sunny",
    "swift", "tidy", "vivid", "wandering", "witty", "zealous",
)

ANIMALS = (
    "albatross", "alpaca", "badger", "beaver", "bison", "bobcat", "caribou", "chameleon",
    "cheetah", "coyote", "crane", "dingo", "dolphin", "falcon", "ferret", "finch", "gazelle",
    "gecko", "heron", "hedgehog", "ibex", "iguana", "jackal", "jaguar", "kestrel", "koala",
    "lemur", "lynx", "magpie", "marmot", "meerkat", "mongoose", "narwhal", "newt", "ocelot",
    "okapi", "osprey", "otter", "panda", "pelican", "puffin", "quokka", "raccoon", "salamander",
    "seal", "sparrow", "tapir", "toucan", "walrus", "wombat", "yak", "zebra",
)

def generate_run_name() -> str:
    """An adjective and an animal joined by a dash; names need not be unique, ids are."""
    return f"{random.choice(ADJECTIVES)}-{random.choice(ANIMALS)}"
