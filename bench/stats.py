"""Medians, ranges and the bars each ratio must meet."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Spread:
    median: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        if not values:
            raise ValueError("no samples")
        return cls(statistics.median(values), min(values), max(values), len(values))


@dataclass(frozen=True)
class Bar:
    """`ratio <= limit` (op "<=") or `ratio >= limit` (op ">=")."""

    op: str
    limit: float

    def holds(self, value: float) -> bool:
        return value <= self.limit if self.op == "<=" else value >= self.limit

    def __str__(self) -> str:
        return f"{self.op} {self.limit:g}"


@dataclass
class Row:
    """One line of the table: a ratio to its floor, its spread and its bar."""

    key: str
    title: str
    ratio: Spread | None
    bar: Bar | None
    detail: str = ""
    absolute: dict[str, Any] = field(default_factory=dict)
    # An exact count (S3 calls) is compared to its bar as it is, not as a ratio.
    unit: str = "x"

    @property
    def holds(self) -> bool | None:
        if self.ratio is None or self.bar is None:
            return None
        return self.bar.holds(self.ratio.median)

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "unit": self.unit,
            "ratio": asdict(self.ratio) if self.ratio else None,
            "bar": {"op": self.bar.op, "limit": self.bar.limit} if self.bar else None,
            "holds": self.holds,
            "detail": self.detail,
            "absolute": self.absolute,
        }


def per_call(fn: Callable[[], object], calls: int) -> float:
    """Median seconds of one call of `fn` over `calls` calls."""
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved(subjects: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Run each subject once per round, in turn, `rounds` times; one sample each per round.

    The order alternates every round, so neither side always runs right after
    the other (caches, frequency scaling, a neighbour's burst).
    """
    samples: dict[str, list[float]] = {name: [] for name in subjects}
    names = list(subjects)
    for index in range(rounds):
        for name in names if index % 2 == 0 else reversed(names):
            samples[name].append(subjects[name]())
    return samples


def ratios(numerator: list[float], denominator: list[float]) -> Spread:
    """Per-round ratios (rounds are paired: same moment, same noise)."""
    return Spread.of([a / b for a, b in zip(numerator, denominator, strict=True)])


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"
