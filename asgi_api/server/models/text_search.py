"""The query language of Prefect's log text search, parsed into the terms a WHERE clause needs.

Space-separated terms: any may match; `-term` / `!term`: must not match; `+term`: must match;
`"a phrase"` (with `\\"` inside) is one term. Each term is matched with `filters.like`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r'(?P<prefix>[-!+](?=\S))?(?:"(?P<phrase>(?:\\.|[^"\\])*)(?:"|$)|(?P<term>[^\s"]+))')
_ESCAPE = re.compile(r'\\([\\"])')


@dataclass
class TextQuery:
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    required: list[str] = field(default_factory=list)


def parse_text_query(query: str) -> TextQuery:
    parsed = TextQuery()
    for match in _TOKEN.finditer(query):
        phrase = match["phrase"]
        term = _ESCAPE.sub(r"\1", phrase) if phrase is not None else match["term"]
        if not term.strip() or (match["prefix"] is None and term in ("-", "!", "+")):
            continue  # an empty phrase, or a prefix standing alone
        prefix = match["prefix"]
        target = parsed.exclude if prefix in ("-", "!") else parsed.required if prefix == "+" else parsed.include
        target.append(term)
    return parsed
