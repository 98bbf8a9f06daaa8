"""Deployment schedules: every `interval` seconds, a cron string, or an RFC 5545 rrule.

On the wire a schedule is an object told apart by its keys (`interval`, `cron` or `rrule`), as
Prefect sends it. Each kind validates itself on decode (a bad cron or rrule string, a zero or
negative interval, an unknown time zone are 422s) and yields its dates with `dates(start, end, n)`.
Cron strings go to `croniter`, rrules to `python-dateutil`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from dateutil import rrule as dateutil_rrule

from asgi_api.server.schemas.fields import DateTime

__all__ = ["CronSchedule", "IntervalSchedule", "MAX_RRULE_LENGTH", "RRuleSchedule", "Schedule", "parse_schedule"]

MAX_RRULE_LENGTH = 6500  # Prefect's limit: about a year of RDATEs
_MAX_ITERATIONS = 1000  # candidate dates looked at per call, so a sparse rule cannot spin
_DEFAULT_ANCHOR = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f'Invalid timezone: "{name}"') from exc


class IntervalSchedule(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Every `interval` seconds from `anchor_date` (the default anchor is 2020-01-01 UTC)."""

    interval: float
    anchor_date: DateTime = msgspec.field(default_factory=lambda: _DEFAULT_ANCHOR)
    timezone: str | None = None

    def __post_init__(self) -> None:
        if not self.interval > 0:
            raise ValueError("The interval must be positive")
        _zone(self.timezone)

    def dates(self, start: datetime.datetime, end: datetime.datetime | None, n: int) -> Iterator[datetime.datetime]:
        step = datetime.timedelta(seconds=self.interval)
        anchor = self.anchor_date.astimezone(_zone(self.timezone))
        skipped = max(0, -(-(start - anchor) // step))  # whole steps from the anchor to `start`, rounded up
        date = anchor + skipped * step
        for _ in range(n):
            if end is not None and date > end:
                return
            yield date.astimezone(datetime.UTC)
            date += step


class CronSchedule(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A five-field cron string in `timezone`; `day_or` joins day-of-month and day-of-week with OR."""

    cron: str
    timezone: str | None = None
    day_or: bool = True

    def __post_init__(self) -> None:
        from croniter import croniter  # imported by the first cron schedule seen, not by every server

        if not croniter.is_valid(self.cron):
            raise ValueError(f'Invalid cron string: "{self.cron}"')
        if any(field.casefold() in ("r", "h") for field in self.cron.split()):
            raise ValueError(f'Random and Hashed expressions are unsupported, received: "{self.cron}"')
        _zone(self.timezone)

    def dates(self, start: datetime.datetime, end: datetime.datetime | None, n: int) -> Iterator[datetime.datetime]:
        # croniter returns strictly later times: start a second early so that `start` itself counts
        first = start.astimezone(_zone(self.timezone)).replace(microsecond=0) - datetime.timedelta(seconds=1)
        if start.microsecond:
            first += datetime.timedelta(seconds=1)
        from croniter import croniter

        times = croniter(self.cron, first, day_or=self.day_or)
        for _ in range(n):
            date: datetime.datetime = times.get_next(datetime.datetime)
            if end is not None and date > end:
                return
            yield date.astimezone(datetime.UTC)


class RRuleSchedule(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """An RFC 5545 recurrence rule (with DTSTART, RDATE, EXDATE... lines) in `timezone`."""

    rrule: str
    timezone: str | None = "UTC"

    def __post_init__(self) -> None:
        if len(self.rrule) > MAX_RRULE_LENGTH:
            raise ValueError(f'Invalid RRule string "{self.rrule[:40]}...": max length is {MAX_RRULE_LENGTH}, '
                             f"got {len(self.rrule)}")
        try:
            dateutil_rrule.rrulestr(self.rrule, cache=True)
        except (ValueError, TypeError) as exc:
            raise ValueError(f'Invalid RRule string "{self.rrule}": {exc}') from exc
        _zone(self.timezone)

    def dates(self, start: datetime.datetime, end: datetime.datetime | None, n: int) -> Iterator[datetime.datetime]:
        """Without a DTSTART line the rule starts at local midnight of `start`'s day (walking from a
        fixed anchor years back would make a minutely rule crawl); with one, naive times are local."""
        zone = _zone(self.timezone)
        local_start = start.astimezone(zone)
        dtstart = None if "DTSTART" in self.rrule.upper() else datetime.datetime.combine(local_start.date(),
                                                                                      datetime.time())
        rule = dateutil_rrule.rrulestr(self.rrule, dtstart=dtstart, cache=True, forceset=True)
        first = next(iter(rule), None)
        if first is None:
            return
        after = local_start.replace(tzinfo=None) if first.tzinfo is None else start
        found = 0
        for index, date in enumerate(rule.xafter(after, count=None, inc=True)):
            date = date.replace(tzinfo=zone) if date.tzinfo is None else date
            if (end is not None and date > end) or found >= n or index >= _MAX_ITERATIONS:
                return
            found += 1
            yield date.astimezone(datetime.UTC)


Schedule = IntervalSchedule | CronSchedule | RRuleSchedule
_KINDS: tuple[tuple[str, type[Schedule]], ...] = (
    ("interval", IntervalSchedule), ("cron", CronSchedule), ("rrule", RRuleSchedule))


def parse_schedule(value: Any) -> Schedule:
    """The schedule an object describes, told apart by its keys; ValueError when it is none of them."""
    if isinstance(value, IntervalSchedule | CronSchedule | RRuleSchedule):
        return value
    if isinstance(value, dict):
        for key, kind in _KINDS:
            if key in value:
                try:
                    return msgspec.convert(value, kind, str_keys=True)
                except msgspec.ValidationError as exc:
                    raise ValueError(str(exc)) from exc
    raise ValueError("A schedule needs one of `interval`, `cron` or `rrule`")
