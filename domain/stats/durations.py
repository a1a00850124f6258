"""Percentiles of office time from two-level histograms (pure).

A value v (whole office seconds) lies in coarse bin v // 28,800 (one business day) and fine bin
v // 576 (0.02 business days). A rank is found in the coarse bins, then in the fine bins of that
one coarse bin; the rank's value is taken as its fine bin's midpoint, at most 288 s (0.01
business days) from the true value. `percentile_cont` interpolates between two such values
with weights that sum to one, so the answer is within 0.01 business days of PostgreSQL's
`percentile_cont` over the true values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from domain.stats.contributions import COARSE_SECONDS, FINE_SECONDS

PER_COARSE = COARSE_SECONDS // FINE_SECONDS
FRACTIONS = (0.5, 0.9)
BOUND_SECONDS = FINE_SECONDS // 2  # the stated bound: 288 office seconds = 0.01 business days


@dataclass
class Histogram:
    coarse: dict[int, int] = field(default_factory=dict)
    fine: dict[int, int] = field(default_factory=dict)

    def add_coarse(self, bin_: int, n: int) -> None:
        self.coarse[bin_] = self.coarse.get(bin_, 0) + n

    def add_fine(self, bin_: int, n: int) -> None:
        self.fine[bin_] = self.fine.get(bin_, 0) + n

    def add_values(self, values: Iterable[int]) -> None:
        """Values counted live (a period's partial months): both levels at once."""
        for v in values:
            self.add_coarse(v // COARSE_SECONDS, 1)
            self.add_fine(v // FINE_SECONDS, 1)

    @property
    def total(self) -> int:
        return sum(self.coarse.values())

    def _ranks(self) -> list[int]:
        n = self.total
        if n == 0:
            return []
        out = set()
        for f in FRACTIONS:
            pos = (n - 1) * f
            out.update({math.floor(pos), math.ceil(pos)})
        return sorted(out)

    def _coarse_of(self, rank: int) -> tuple[int, int]:
        """The coarse bin holding `rank` (0-based), and how many values lie below that bin."""
        below = 0
        for bin_ in sorted(self.coarse):
            n = self.coarse[bin_]
            if rank < below + n:
                return bin_, below
            below += n
        raise ValueError("rank beyond the histogram")

    def needed(self) -> set[int]:
        """The coarse bins whose fine bins the percentiles need."""
        return {self._coarse_of(r)[0] for r in self._ranks()}

    def value_at(self, rank: int) -> float:
        coarse, below = self._coarse_of(rank)
        first = coarse * PER_COARSE
        for bin_ in sorted(b for b in self.fine if first <= b < first + PER_COARSE):
            below += self.fine[bin_]
            if rank < below:
                return (bin_ + 0.5) * FINE_SECONDS
        raise ValueError("fine bins do not add up to their coarse bin")


def percentile(h: Histogram, fraction: float) -> float | None:
    """`percentile_cont(fraction)` in office seconds, within `BOUND_SECONDS`; None when empty."""
    n = h.total
    if n == 0:
        return None
    pos = (n - 1) * fraction
    lo, hi = math.floor(pos), math.ceil(pos)
    low = h.value_at(lo)
    return low if hi == lo else low + (pos - lo) * (h.value_at(hi) - low)


def percentiles(h: Histogram) -> tuple[float | None, float | None]:
    return percentile(h, FRACTIONS[0]), percentile(h, FRACTIONS[1])
