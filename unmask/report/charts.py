"""Charts as inline SVG strings (no scripts, no external loads); every label is escaped.

Colours and type are SVG attributes, not CSS classes: a PDF renderer does not apply the page's
style sheet inside an SVG.  Charts scale to the width of the page (their ``viewBox`` keeps the
proportions), so a printed timeline is not cut at the margin.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from unmask.attribute.calibrate import percent
from unmask.printable import printable

__all__ = ["bar_chart", "timeline_chart"]

_TEXT = 'font-family="DejaVu Sans, Arial, sans-serif" font-size="12" fill="#222"'


def _safe(text: str) -> str:
    """A label as SVG text: control and direction-override characters as escapes, then escaped
    (a host named with U+202E would otherwise show reversed)."""
    return escape(printable(text))


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
        short = label if len(label) <= 42 else label[:41] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar * 0.65:.1f}" text-anchor="end" {_TEXT}>{_safe(short)}</text>'
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
    lane_h, left, right = 26, 200, 20
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
        short = lane if len(lane) <= 28 else lane[:27] + "…"
        parts.append(
            f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end" {_TEXT}>{_safe(short)}</text>'
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
