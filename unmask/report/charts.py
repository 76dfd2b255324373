"""Charts as inline SVG strings (no scripts, no external loads); every label is escaped."""

from __future__ import annotations

from html import escape

from unmask.attribute.calibrate import percent
from unmask.printable import printable

__all__ = ["bar_chart", "timeline_chart"]


def _safe(text: str) -> str:
    """A label as SVG text: control and direction-override characters as escapes, then escaped
    (a host named with U+202E would otherwise show reversed)."""
    return escape(printable(text))


def bar_chart(
    items: list[tuple[str, float]], width: int = 640, bar: int = 22, colour: str = "#1f5fa8"
) -> str:
    """Horizontal bars of probabilities (0–1), labelled with the value."""
    label_w = 300
    height = bar * len(items) + 10
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">'
    ]
    span = width - label_w - 60
    for i, (label, value) in enumerate(items):
        y = 5 + i * bar
        w = max(1.0, span * max(0.0, min(1.0, value)))
        short = label if len(label) <= 42 else label[:41] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar * 0.65:.1f}" text-anchor="end" class="label">{_safe(short)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{bar - 6}" fill="{colour}" rx="2">'
            f"<title>{_safe(label)}: {_safe(percent(value))}</title></rect>"
            f'<text x="{label_w + w + 5:.1f}" y="{y + bar * 0.65:.1f}" class="value">{_safe(percent(value))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def timeline_chart(rows: list[tuple[str, str, str]], width: int = 900) -> str:
    """Points in time by lane: (lane, ISO time, label). Lanes are hosts or phases."""
    from datetime import datetime

    def seconds(text: str) -> float | None:
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None

    points = [(lane, seconds(ts), ts, label) for lane, ts, label in rows]
    points = [p for p in points if p[1] is not None]
    if not points:
        return ""
    lanes = sorted({p[0] for p in points})
    lane_h, left, right = 26, 200, 20
    height = lane_h * len(lanes) + 40
    first = min(p[1] for p in points if p[1] is not None)
    last = max(p[1] for p in points if p[1] is not None)
    span = max(last - first, 1.0)
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">'
    ]
    for i, lane in enumerate(lanes):
        y = 10 + i * lane_h + lane_h / 2
        short = lane if len(lane) <= 28 else lane[:27] + "…"
        parts.append(
            f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end" class="label">{_safe(short)}</text>'
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" class="lane"/>'
        )
    for lane, moment, ts, label in points:
        assert moment is not None
        x = left + (width - left - right) * (moment - first) / span
        y = 10 + lanes.index(lane) * lane_h + lane_h / 2
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" class="point"><title>{_safe(ts)} {_safe(label)}</title></circle>'
        )
    axis_y = height - 12
    parts.append(
        f'<text x="{left}" y="{axis_y}" class="value">{_safe(points[0][2][:19] if len(points) == 1 else _iso(first))}</text>'
        f'<text x="{width - right}" y="{axis_y}" text-anchor="end" class="value">{_safe(_iso(last))}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _iso(seconds: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
