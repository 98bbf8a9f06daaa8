"""An app module written with `from __future__ import annotations`: every hint is a string.

Both frameworks must resolve the strings against this module's globals when routes are created.
Models therefore live at module level, and `Annotated[..., FW.Query(...)]` reads the framework
being built from the module global `FW`, which `build` sets first.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import types
from typing import Annotated, Literal, Optional

from tests.framework.parity import call, parity_test

FW: types.SimpleNamespace = None  # type: ignore[assignment]  # set by build() before any route exists


class Unit(enum.Enum):
    kg = "kg"
    lb = "lb"


@dataclasses.dataclass
class Weight:
    value: float
    unit: Unit = Unit.kg


@dataclasses.dataclass
class Parcel:
    label: str
    weights: list[Weight]
    sent: Optional[datetime.date] = None


@dataclasses.dataclass
class Summary:
    label: str
    count: int


class Filters:
    def __init__(self, unit: Unit | None = None, heavy: bool = False) -> None:
        self.unit = unit
        self.heavy = heavy


def build(fw: types.SimpleNamespace):
    global FW
    FW = fw
    app = fw.API()

    @app.get("/parcels/{parcel_id}")
    def read(parcel_id: int, verbose: bool = False, fields: list[str] = fw.Query([])) -> dict[str, object]:
        return {"parcel_id": parcel_id, "verbose": verbose, "fields": fields}

    @app.get("/search")
    def search(page: Annotated[int, FW.Query(ge=1)] = 1, order: Literal["asc", "desc"] = "asc",
               since: datetime.date | None = None, filters: Filters = fw.Depends()):
        return {"page": page, "order": order, "since": since, "unit": filters.unit, "heavy": filters.heavy}

    @app.post("/parcels", status_code=201)
    def create(parcel: Parcel, x_origin: Annotated[str, FW.Header()] = "local") -> Summary:
        return {"label": parcel.label, "count": len(parcel.weights), "origin": x_origin}  # type: ignore[return-value]

    @app.post("/weights")
    def weights(weight: Weight, note: Annotated[str, FW.Body(max_length=5)]) -> Weight:
        return weight

    return app


test_future_annotations = parity_test(build, [
    call("GET", "/parcels/5?verbose=yes&fields=a&fields=b", 200),
    call("GET", "/parcels/five?verbose=perhaps", 422),
    call("GET", "/search", 200),
    call("GET", "/search?page=2&order=desc&since=2024-05-01&unit=lb&heavy=1", 200),
    call("GET", "/search?page=0&order=up&since=May&unit=g&heavy=x", 422, id="every annotated parameter invalid"),
    call("POST", "/parcels", 201, json={"label": "box", "weights": [{"value": 1.5}, {"value": 2, "unit": "lb"}]},
         id="string annotations for body and return models"),
    call("POST", "/parcels", 201, json={"label": "box", "weights": []}, headers={"x-origin": "remote"}),
    call("POST", "/parcels", 422, json={"label": "box", "weights": [{"value": "heavy", "unit": "st"}],
                                        "sent": "soon"}),
    call("POST", "/weights", 200, json={"weight": {"value": 3}, "note": "ok"}),
    call("POST", "/weights", 422, json={"weight": {"value": 3}, "note": "too long"}),
    call("POST", "/weights", 422, json={"value": 3}),
])
