"""Charts as inline SVG strings (no scripts, no external loads); every label is escaped.

Colours and type are SVG attributes, not CSS classes: a PDF renderer does not apply the page's
style sheet inside an SVG.  Charts scale to the width of the page (their ``viewBox`` keeps the
proportions), so a printed timeline is not cut at the margin.  A label drawn right-aligned before
its bar or lane is shortened to the room it has, with an ellipsis at its end: longer, its start
ran past the chart's left edge and was cut off (``)4246w-win10.threebeesco.com``).
"""

from __future__ import annotations

import string
from datetime import UTC, datetime
from html import escape

from unmask.attribute.calibrate import percent
from unmask.printable import clip, printable

__all__ = ["bar_chart", "timeline_chart"]

_FONT_SIZE = 12
_TEXT = f'font-family="DejaVu Sans, Arial, sans-serif" font-size="{_FONT_SIZE}" fill="#222"'
# Advance widths (in em) of DejaVu Sans, the font the charts ask for, rounded up by class; Arial,
# a browser's fallback, is narrower.  Anything else in ASCII (a capital M or W, "@") counts as
# 1 em, and a character outside ASCII as 2 (DejaVu's widest, "‱", is 1.74 em).
_WIDTHS = (
    (frozenset("'ijlIJ ,."), 0.32),
    (frozenset("/:;\\|f-()[]t!r"), 0.42),
    (frozenset('"*_`szc?L'), 0.56),
    (frozenset(string.ascii_lowercase + string.digits + "FPTYES${}") - frozenset("mw"), 0.64),
    (frozenset(string.ascii_uppercase + "&") - frozenset("MW"), 0.8),
)


def _em(char: str) -> float:
    if not char.isascii():
        return 2.0
    return next((width for chars, width in _WIDTHS if char in chars), 1.0)


def _text_width(text: str) -> float:
    """How wide ``text`` is drawn at most, in the chart's units."""
    return sum(map(_em, text)) * _FONT_SIZE


def _fit(text: str, room: float) -> str:
    """``text`` as shown, cut at its end with an ellipsis to be at most ``room`` wide."""
    if _text_width(text) <= room:
        return text
    kept, width = [], _em("…") * _FONT_SIZE
    for char in text:
        width += _em(char) * _FONT_SIZE
        if width > room:
            break
        kept.append(char)
    return "".join(kept) + "…"


def _safe(text: str) -> str:
    """A label as SVG text: clipped as every value of the report is, control and direction-override
    characters as escapes, then escaped (a host named with U+202E would otherwise show reversed)."""
    return escape(printable(clip(text)))


def _label(text: str, room: float) -> str:
    """A label that must fit ``room``: shortened after its escapes are written out (they take
    room too) and before the markup ones, which an ellipsis must not cut."""
    return escape(_fit(printable(clip(text)), room))


def _svg_open(width: int, height: int) -> str:
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="100%" '
        f'viewBox="0 0 {width} {height}" preserveAspectRatio="xMinYMin meet" role="img" '
        f'style="max-width: {width}px">'
    )


def bar_chart(
    items: list[tuple[str, float]], width: int = 640, bar: int = 22, colour: str = "#1f5fa8"
) -> str:
    """Horizontal bars of probabilities (0–1), labelled with the value."""
    label_w = 300
    height = bar * len(items) + 10
    parts = [_svg_open(width, height)]
    span = width - label_w - 60
    for i, (label, value) in enumerate(items):
        y = 5 + i * bar
        w = max(1.0, span * max(0.0, min(1.0, value)))
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar * 0.65:.1f}" text-anchor="end" {_TEXT}>{_label(label, label_w - 8)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{bar - 6}" fill="{colour}" rx="2">'
            f"<title>{_safe(label)}: {_safe(percent(value))}</title></rect>"
            f'<text x="{label_w + w + 5:.1f}" y="{y + bar * 0.65:.1f}" {_TEXT}>{_safe(percent(value))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _seconds(text: str) -> float | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def timeline_chart(rows: list[tuple[str, str, str]], width: int = 900) -> str:
    """Points in time by lane: (lane, ISO time, label). Lanes are hosts or phases."""
    points = [(lane, moment, ts, label) for lane, ts, label in rows if (moment := _seconds(ts)) is not None]
    if not points:
        return ""
    lanes = sorted({p[0] for p in points})
    # The lanes' names take the room the longest needs, from 120 to 300 units (of 900); a name's
    # whole (its title) is clipped as the report's values are (a log's host of a megabyte).
    names = {lane: printable(clip(lane)) for lane in lanes}
    longest = max(_text_width(name) for name in names.values())
    lane_h, left, right = 26, round(min(300.0, max(120.0, longest + 12))), 20
    height = lane_h * len(lanes) + 40
    first = min(p[1] for p in points)
    last = max(p[1] for p in points)
    dated_only = all(len(p[2]) <= 10 for p in points)  # "2022-04-08": a day, not its midnight
    if last - first < 1.0:  # one moment: a day either side, so the point sits in the middle
        first, last = first - 86400, last + 86400
    span = last - first
    parts = [_svg_open(width, height)]
    for i, lane in enumerate(lanes):
        y = 10 + i * lane_h + lane_h / 2
        shown = _fit(names[lane], left - 10)
        whole = f"<title>{escape(names[lane])}</title>" if shown != names[lane] else ""
        parts.append(
            f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end" {_TEXT}>{whole}{escape(shown)}</text>'
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd" stroke-width="1"/>'
        )
    for lane, moment, ts, label in points:
        x = left + (width - left - right) * (moment - first) / span
        y = 10 + lanes.index(lane) * lane_h + lane_h / 2
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#d62728" fill-opacity="0.75">'
            f"<title>{_safe(ts)} {_safe(label)}</title></circle>"
        )
    axis_y = height - 12
    parts.append(
        f'<text x="{left}" y="{axis_y}" {_TEXT}>{_safe(_when(first, dated_only))}</text>'
        f'<text x="{width - right}" y="{axis_y}" text-anchor="end" {_TEXT}>{_safe(_when(last, dated_only))}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _when(seconds: float, dated_only: bool) -> str:
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    return moment.strftime("%Y-%m-%d") if dated_only else moment.strftime("%Y-%m-%d %H:%M UTC")
