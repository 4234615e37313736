"""Charts drawn as SVG by the server: vector, sharp in print, no script needed."""

from decimal import Decimal


def baseline_latest_bars(row, width=160, height=34):
    """Two horizontal bars, baseline and latest, on one scale; a tick for the target."""
    values = [row["baseline"].value if row["baseline"] else None, row["latest"].value if row["latest"] else None]
    target = row["target"].value if row["target"] else None
    known = [abs(Decimal(v)) for v in [*values, target] if v is not None]
    if not known:
        return None
    top = max(known) or Decimal(1)
    bar_h = (height - 6) / 2

    def length(v):
        return float(abs(Decimal(v)) / top) * (width - 4) if v is not None else 0

    return {
        "width": width,
        "height": height,
        "bars": [
            {"y": 2, "w": f"{length(values[0]):.1f}", "h": f"{bar_h:.1f}", "kind": "baseline"},
            {"y": f"{4 + bar_h:.1f}", "w": f"{length(values[1]):.1f}", "h": f"{bar_h:.1f}", "kind": "latest"},
        ],
        "target_x": f"{length(target):.1f}" if target is not None else None,
    }
