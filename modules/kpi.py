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


def sparkline(values, target=None, width=120, height=32, pad=3):
    """A small chart of values over time (oldest first), drawn as SVG by the template:
    the polyline's points, the last point, and the height of the target line (None without
    a target). The target is inside the scale so the line and the values can be compared."""
    numbers = [float(v) for v in values]
    if not numbers:
        return {"points": "", "last": None, "target_y": None}
    scale = numbers + ([float(target)] if target is not None else [])
    low, high = min(scale), max(scale)
    span = (high - low) or 1.0
    step = (width - 2 * pad) / max(len(numbers) - 1, 1)

    def y(n):
        return height - pad - (n - low) / span * (height - 2 * pad)

    coords = [(pad + i * step, y(n)) for i, n in enumerate(numbers)]
    return {
        "points": " ".join(f"{x:.1f},{yy:.1f}" for x, yy in coords),
        "last": (f"{coords[-1][0]:.1f}", f"{coords[-1][1]:.1f}"),
        "target_y": f"{y(float(target)):.1f}" if target is not None else None,
    }


def sparkline_points(values, width=120, height=32, pad=3):
    """SVG polyline points for a small chart of values over time (oldest first)."""
    return sparkline(values, width=width, height=height, pad=pad)["points"]


def kpi_rows(enterprise):
    """Baseline, target, latest and change for each KPI the enterprise has data for (three
    queries); the KPIs tab and the enterprise progress report both show these rows."""
    from .models import Measurement, Source, Target  # the arithmetic above needs no models

    measurements = list(
        Measurement.objects.filter(enterprise=enterprise).select_related("indicator__module").order_by("period")
    )
    targets = {t.indicator_id: t for t in Target.objects.filter(enterprise=enterprise)}
    by_indicator = {}
    for m in measurements:
        by_indicator.setdefault(m.indicator, []).append(m)
    for indicator_id in targets:
        if all(i.pk != indicator_id for i in by_indicator):
            by_indicator[targets[indicator_id].indicator] = []
    rows = []
    for indicator, values in sorted(by_indicator.items(), key=lambda kv: (kv[0].module.order, kv[0].code)):
        baseline = next((m for m in values if m.source == Source.BASELINE), None)
        # Only values from after the baseline's month count as "latest", as in the provincial summary.
        later = [m for m in values if m.source != Source.BASELINE and (baseline is None or m.period > baseline.period)]
        latest = later[-1] if later else None
        change = kpi_change(baseline.value if baseline else None, latest.value if latest else None, indicator.direction)
        rows.append(
            {
                "indicator": indicator,
                "baseline": baseline,
                "latest": latest,
                "target": targets.get(indicator.pk),
                "change": change,
                "chart": sparkline(
                    [m.value for m in values], target=targets[indicator.pk].value if indicator.pk in targets else None
                ),
                "first_period": values[0].period if values else None,
                "count": len(values),
            }
        )
    return rows
