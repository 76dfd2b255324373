"""Sigma correlation rules (event_count, value_count, temporal, temporal_ordered).

A correlation runs over the hits of the rules it references: hits are grouped by the
``group-by`` fields (through the field aliases; a hit without a value for one of them is left
out, as a SIEM's ``stats ... by`` leaves it), ordered in time, and a sliding window of
``timespan`` decides whether the condition holds.  Each time it holds, one finding is made,
pointing at the first event of the window.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sigma.correlations import SigmaCorrelationCondition, SigmaCorrelationRule

from unmask.detect.sigma.documents import more_bounds
from unmask.detect.sigma.sql import Unsupported

__all__ = ["Correlation", "Hit", "correlation_from_rule", "describe", "evaluate"]

_OPS: dict[str, Callable[[int, int], bool]] = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
    "eq": operator.eq,
    "neq": operator.ne,
}


@dataclass(frozen=True)
class Hit:
    """One base-rule hit as a correlation sees it."""

    rule_id: str
    ts: str | None
    values: dict[str, str | None]
    pointer: Any


@dataclass
class Correlation:
    id: str
    title: str
    level: str
    type: str
    rules: list[str]
    group_by: list[str]
    timespan: int
    op: str
    count: int
    fieldref: str | None
    techniques: tuple[str, ...]
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)  # alias -> rule id -> field
    # Sigma's `generate`: whether the referenced rules also report their own matches (default no).
    generate: bool = False
    # A range's other bounds, each to hold too: `gt: 100` and `lte: 200` is op gt, count 100,
    # also (("lte", 200),).
    also: tuple[tuple[str, int], ...] = ()
    path: str = ""  # the rule file that gives the correlation

    def bounds(self) -> tuple[tuple[str, int], ...]:
        """Every (operator, count) the condition sets; all must hold."""
        return ((self.op, self.count), *self.also)

    def field_for(self, rule_id: str, name: str) -> str:
        return self.aliases.get(name, {}).get(rule_id, name)

    def fields_of(self, rule_id: str) -> set[str]:
        names = [self.field_for(rule_id, g) for g in self.group_by]
        if self.fieldref:
            names.append(self.field_for(rule_id, self.fieldref))
        return set(names)


def correlation_from_rule(
    rule: SigmaCorrelationRule, by_id: dict[str, Any], by_name: dict[str, Any], path: str = ""
) -> Correlation:
    """A correlation with its references resolved to compiled base rules (by id or name);
    ``path`` is the file that gives it."""
    from unmask.detect.sigma.rules import _tags

    ids: list[str] = []
    for reference in rule.rules or []:
        target = by_id.get(reference.reference) or by_name.get(reference.reference)
        if target is None:
            raise Unsupported(f"correlation refers to rule {reference.reference!r}, which is not loaded")
        ids.append(target.id)
    kind = rule.type.name.lower()
    if kind not in ("event_count", "value_count", "temporal", "temporal_ordered"):
        raise Unsupported(f"correlation type {kind} is not supported")
    condition = rule.condition
    if condition is not None and not isinstance(condition, SigmaCorrelationCondition):
        raise Unsupported("extended correlation conditions (and / or / not of rules) are not supported")
    op = condition.op.name.lower() if condition is not None else "gte"
    count = condition.count if condition is not None else len(ids)
    fieldref = condition.fieldref if condition is not None and isinstance(condition.fieldref, str) else None
    if kind == "value_count" and fieldref is None:
        raise Unsupported("value_count correlation without one field")
    aliases: dict[str, dict[str, str]] = {}
    for name, alias in rule.aliases.aliases.items():
        mapping: dict[str, str] = {}
        for reference, field_name in alias.mapping.items():
            target = by_id.get(reference.reference) or by_name.get(reference.reference)
            if target is not None:
                mapping[target.id] = field_name
        aliases[name] = mapping
    techniques, _ = _tags(rule)
    inherited = tuple(t for i in ids for t in by_id[i].techniques)
    return Correlation(
        id=str(rule.id or rule.name or rule.title),
        title=rule.title,
        level=rule.level.name.lower() if rule.level else "medium",
        type=kind,
        rules=ids,
        group_by=list(rule.group_by or []),
        timespan=rule.timespan.seconds if rule.timespan else 0,
        op=op,
        count=count,
        fieldref=fieldref,
        techniques=tuple(dict.fromkeys(techniques + inherited)),
        aliases=aliases,
        generate=bool(getattr(rule, "generate", False)),
        also=more_bounds(rule),
        path=path,
    )


def _seconds(ts: str | None) -> float | None:
    if not ts:
        return None
    try:
        return datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def evaluate(correlation: Correlation, hits: list[Hit]) -> list[list[Hit]]:
    """The windows in which the correlation holds, each as the hits it is made of."""
    groups: dict[tuple[str, ...], list[tuple[float, Hit]]] = {}
    for hit in hits:
        if hit.rule_id not in correlation.rules:
            continue
        moment = _seconds(hit.ts)
        if moment is None:
            continue
        key = tuple(
            (hit.values.get(correlation.field_for(hit.rule_id, g)) or "").lower()
            for g in correlation.group_by
        )
        if not all(key):
            # No value to group on (the field missing or empty): such events have nothing in
            # common, and pooled they made one group that fired on unrelated events.
            continue
        groups.setdefault(key, []).append((moment, hit))
    # "Fewer than" (lt, lte, eq, neq) is judged on whole windows only: a window that an earlier
    # start also covers is a part of one (the last events of a group, seen alone, are always few).
    at_most = any(op in ("lt", "lte", "eq", "neq") for op, _ in correlation.bounds())
    fired: list[list[Hit]] = []
    for items in groups.values():
        items.sort(key=lambda pair: pair[0])
        start = 0
        while start < len(items):
            end = start
            while end + 1 < len(items) and items[end + 1][0] - items[start][0] <= correlation.timespan:
                end += 1
            window = [hit for _, hit in items[start : end + 1]]
            if at_most and start > 0 and items[end][0] - items[start - 1][0] <= correlation.timespan:
                start += 1
                continue
            if _holds(correlation, window):
                fired.append(window)
                start = end + 1
            else:
                start += 1
    return fired


def _distinct(correlation: Correlation, window: list[Hit]) -> set[str]:
    assert correlation.fieldref is not None
    return {
        (h.values.get(correlation.field_for(h.rule_id, correlation.fieldref)) or "").lower()
        for h in window
        if h.values.get(correlation.field_for(h.rule_id, correlation.fieldref))
    }


def describe(correlation: Correlation, window: list[Hit]) -> str:
    """Why a window fired, for the finding's detail: the group, the count and the span."""
    first = window[0]
    group = ", ".join(
        f"{name}={first.values.get(correlation.field_for(first.rule_id, name))}"
        for name in correlation.group_by
    )
    if correlation.type == "value_count":
        counted = f"{len(_distinct(correlation, window))} distinct {correlation.fieldref}"
    elif correlation.type == "event_count":
        counted = f"{len(window)} events"
    else:
        counted = f"{len({h.rule_id for h in window})} of {len(correlation.rules)} rules"
    times = [h.ts for h in window if h.ts]
    span = f" from {min(times)} to {max(times)}" if times else ""
    where = f" for {group}" if group else ""
    condition = ", ".join(f"{op} {count}" for op, count in correlation.bounds())
    return f"{correlation.type}: {counted} ({condition}) within {correlation.timespan} s{where}{span}"


def _holds(correlation: Correlation, window: list[Hit]) -> bool:
    seen = [h.rule_id for h in window]
    if correlation.type != "temporal_ordered":
        if correlation.type == "event_count":
            measured = len(window)
        elif correlation.type == "value_count":
            measured = len(_distinct(correlation, window))
        else:  # temporal
            measured = len(set(seen) & set(correlation.rules))
        return all(_OPS[op](measured, count) for op, count in correlation.bounds())
    # temporal_ordered: the referenced rules fire in the listed order within the window
    position = 0
    for rule_id in seen:
        if position < len(correlation.rules) and rule_id == correlation.rules[position]:
            position += 1
    return position == len(correlation.rules)
