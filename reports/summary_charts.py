"""Charts of the provincial summary, drawn as inline SVG by the server: vector, sharp in print,
and their labels are SVG text in the PDF's CJK font, so Chinese renders and can be searched.

Each function returns markup ready for the template (labels are escaped here)."""

import unicodedata

from django.utils.html import escape
from django.utils.safestring import mark_safe

FONT = "Noto Sans CJK SC, Noto Sans, sans-serif"
INK, MUTED, GRID = "#111111", "#666666", "#dddddd"
PALETTE = ["#0b3d6e", "#4f7cac", "#9bb3cf", "#1b7a33", "#b42318"]
WIDTH = 640  # px at 96 dpi: about 170 mm, inside the A4 page's 178 mm


def text_width(text, size):
    """About how wide ``text`` is at ``size`` px: CJK characters take a full em, others about half."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.56 for ch in str(text))


def fit(text, size, room):
    """The text, shortened with an ellipsis until it fits ``room`` px."""
    text = str(text)
    if text_width(text, size) <= room:
        return text
    while text and text_width(text + "…", size) > room:
        text = text[:-1]
    return text.rstrip() + "…"


def _text(x, y, content, *, size=9, anchor="start", fill=INK, weight="normal"):
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-family="{FONT}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{fill}" font-weight="{weight}">{escape(content)}</text>'
    )


def _svg(width, height, body, title):
    return mark_safe(  # noqa: S308  # nosec B308, B703  # labels are escape()d; the rest: numbers, constants
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height:.0f}" '
        f'viewBox="0 0 {width} {height:.0f}" role="img" aria-label="{escape(title)}">' + "".join(body) + "</svg>"
    )


def _legend(series, y, x=0, size=8.5):
    body = []
    for n, name in enumerate(series):
        body.append(f'<rect x="{x:.1f}" y="{y - 8:.1f}" width="9" height="9" fill="{PALETTE[n % len(PALETTE)]}"/>')
        body.append(_text(x + 13, y, name, size=size, fill=MUTED))
        x += 13 + text_width(name, size) + 14
    return body


def bar_chart(rows, *, title="", label_width=230, bar_height=14, gap=6, color=PALETTE[0], scale_max=None):
    """Horizontal bars: ``rows`` are (label, value, text shown after the bar). The bars share
    one scale starting at 0 (up to ``scale_max`` when given, e.g. 100 for shares)."""
    if not rows:
        return ""
    top = scale_max or max((value or 0) for _label, value, _t in rows) or 1
    text_room = max(text_width(t, 8.5) for _l, _v, t in rows) + 8
    room = WIDTH - label_width - text_room
    body, y = [], 2
    for label, value, shown in rows:
        length = room * (value or 0) / top
        body.append(_text(label_width - 6, y + bar_height - 3.5, fit(label, 9, label_width - 8), anchor="end"))
        body.append(f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" fill="{color}"/>')
        body.append(_text(label_width + length + 4, y + bar_height - 3.5, shown, size=8.5, fill=MUTED))
        y += bar_height + gap
    body.append(f'<line x1="{label_width}" x2="{label_width}" y1="0" y2="{y - gap + 2}" stroke="{MUTED}"/>')
    return _svg(WIDTH, y - gap + 4, body, title)


def grouped_bar_chart(rows, series, *, title="", label_width=110, bar_height=12, gap=10):
    """Horizontal bars in groups: ``rows`` are (label, [value per series]); a legend names the
    series. For the funnel (a group per module, a bar per step) and similar."""
    if not rows:
        return ""
    top = max((v or 0) for _label, values in rows for v in values) or 1
    room = WIDTH - label_width - 40
    body = _legend(series, 11, x=label_width)
    y = 22
    for label, values in rows:
        group_top = y
        for n, value in enumerate(values):
            length = room * (value or 0) / top
            fill = PALETTE[n % len(PALETTE)]
            body.append(f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" fill="{fill}"/>')
            body.append(_text(label_width + length + 4, y + bar_height - 2.5, value or 0, size=8, fill=MUTED))
            y += bar_height + 1
        middle = (group_top + y) / 2 + 3.5
        body.append(_text(label_width - 6, middle, fit(label, 9, label_width - 8), anchor="end", weight="bold"))
        y += gap
    body.append(f'<line x1="{label_width}" x2="{label_width}" y1="18" y2="{y - gap + 2}" stroke="{MUTED}"/>')
    return _svg(WIDTH, y - gap + 4, body, title)


def column_chart(groups, series, values, *, title="", height=190):
    """Vertical bars side by side: for each group (e.g. management, workers) a bar per series
    (e.g. women, men); ``values[g][s]``. The number stands on each bar; a legend names the series."""
    if not groups:
        return ""
    top = max((v or 0) for row in values for v in row) or 1
    base, chart_top, left = height - 22, 30, 30
    plot = base - chart_top
    slot = (WIDTH - left) / len(groups)
    bar = min(46, slot / (len(series) + 1.5))
    body = _legend(series, 11, x=left)
    body.append(f'<line x1="{left}" x2="{WIDTH}" y1="{base}" y2="{base}" stroke="{MUTED}"/>')
    for g, group in enumerate(groups):
        start = left + g * slot + (slot - bar * len(series)) / 2
        for s, _name in enumerate(series):
            value = values[g][s] or 0
            h = plot * value / top
            x = start + s * bar
            fill = PALETTE[s % len(PALETTE)]
            body.append(
                f'<rect x="{x + 2:.1f}" y="{base - h:.1f}" width="{bar - 4:.1f}" height="{h:.1f}" fill="{fill}"/>'
            )
            body.append(_text(x + bar / 2, base - h - 3, value, size=8.5, anchor="middle", fill=INK))
        body.append(_text(left + g * slot + slot / 2, base + 14, fit(group, 9.5, slot - 6), size=9.5, anchor="middle"))
    return _svg(WIDTH, height, body, title)
