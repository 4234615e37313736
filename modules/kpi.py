"""KPI arithmetic that must be right whichever way a KPI points."""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Change:
    baseline: Decimal | None
    latest: Decimal | None
    difference: Decimal | None  # latest - baseline
    percent: Decimal | None  # relative to the baseline; None when the baseline is 0 or missing
    improved: bool | None  # None: not known (no baseline or no later value)


def kpi_change(baseline, latest, direction):
    """Compare the latest value to the baseline; ``direction`` is "higher" or "lower" (is better)."""
    if baseline is None or latest is None:
        return Change(baseline, latest, None, None, None)
    baseline, latest = Decimal(baseline), Decimal(latest)
    difference = latest - baseline
    percent = (difference / abs(baseline) * 100).quantize(Decimal("0.1")) if baseline else None
    improved = difference > 0 if direction == "higher" else difference < 0
    return Change(baseline, latest, difference, percent, improved)


def sparkline_points(values, width=120, height=32, pad=3):
    """SVG polyline points for a small chart of values over time (oldest first)."""
    numbers = [float(v) for v in values]
    if not numbers:
        return ""
    low, high = min(numbers), max(numbers)
    span = (high - low) or 1.0
    step = (width - 2 * pad) / max(len(numbers) - 1, 1)
    return " ".join(
        f"{pad + i * step:.1f},{height - pad - (n - low) / span * (height - 2 * pad):.1f}"
        for i, n in enumerate(numbers)
    )
