"""A Sigma rule file's YAML documents, each parsed on its own.

A file can hold many rules, filters and correlations (``---`` between them).  pySigma's
``SigmaCollection.from_dicts`` parses them together, and some errors it raises rather than
collects, so one bad document cost the whole file without saying which.  Here each document is
parsed alone, as ``from_dicts`` would (the ``action: global`` / ``reset`` / ``repeat`` documents
included): a bad one is a problem naming it (its number in the file, title and id) and the
others load.

A correlation's range (the specification's ``condition: {gt: 100, lte: 200}``, 101 to 200), which
pySigma refuses ("exactly one condition item"), is read here: pySigma gets the first bound and
the others ride along in the rule's custom attributes under :data:`MORE_BOUNDS`
(:func:`more_bounds`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from sigma.collection import SigmaCollection, deep_dict_update
from sigma.correlations import SigmaCorrelationConditionOperator, SigmaCorrelationRule
from sigma.exceptions import SigmaCollectionError, SigmaError
from sigma.filters import SigmaFilter
from sigma.rule import SigmaRule

from unmask import safe_json

__all__ = ["MORE_BOUNDS", "RuleFile", "more_bounds", "read_rule_file"]

# The custom attribute of a correlation rule that holds the bounds of its range beyond the first.
MORE_BOUNDS = "unmask:more_bounds"
_OPERATORS = SigmaCorrelationConditionOperator.operators()  # gt, gte, lt, lte, eq, neq


@dataclass
class RuleFile:
    """What a rule file holds: its rules, correlations and filters (``collection``), the
    documents that could not be read (``problems``: ``{"rule": id or title, "message": ...}``),
    and each item's document, named (``where``, by ``id()`` of the item; empty for a file of one
    document, which needs no naming)."""

    collection: SigmaCollection
    problems: list[dict[str, Any]] = field(default_factory=list)
    where: dict[int, str] = field(default_factory=dict)

    def named(self, item: object, message: str) -> str:
        """``message`` about ``item``, preceded by its document's name in a file of several."""
        label = self.where.get(id(item))
        return f"{label}: {message}" if label else message


def read_rule_file(text: str) -> RuleFile:
    """The documents of a rule file, each parsed alone.  Raises ``yaml.YAMLError`` when the file
    is not YAML at all (no document can be told from another then)."""
    documents = list(yaml.safe_load_all(text))
    if safe_json.may_hold_surrogates(text):
        # A lone surrogate ("\ud800") in a title or value would reach findings, case files and SQL,
        # none of which can hold one.
        documents = [safe_json.mend(document) for document in documents]
    several = sum(document is not None for document in documents) > 1
    items: list[SigmaRule | SigmaCorrelationRule | SigmaFilter] = []
    errors: list[SigmaError] = []
    result = RuleFile(SigmaCollection([]))
    template: dict[Any, Any] = {}  # action: global
    previous: dict[Any, Any] = {}  # what action: repeat repeats
    for number, document in enumerate(documents, start=1):
        if document is None:  # an empty document (a trailing ---)
            continue
        label = _label(number, document) if several else ""
        try:
            if not isinstance(document, dict):
                raise SigmaCollectionError("a rule is a YAML mapping of title:, logsource:, detection:")
            action = document.get("action")
            item: SigmaRule | SigmaCorrelationRule | SigmaFilter
            if action is None and "correlation" in document:
                document, bounds = _first_bound(document)
                item = SigmaCorrelationRule.from_dict(document, collect_errors=True)
                item.custom_attributes.pop(MORE_BOUNDS, None)  # only a range read here sets it
                if bounds:
                    item.custom_attributes[MORE_BOUNDS] = bounds
            elif action is None and "filter" in document:
                item = SigmaFilter.from_dict(document, collect_errors=True)
            elif action is None:
                item = SigmaRule.from_dict(deep_dict_update(document, template), collect_errors=True)
                previous = document
            elif action == "global":
                template = {k: v for k, v in document.items() if k != "action"}
                previous = template
                continue
            elif action == "reset":
                template = {}
                continue
            elif action == "repeat":
                previous = deep_dict_update(previous, document)
                item = SigmaRule.from_dict(previous, collect_errors=True)
            else:
                raise SigmaCollectionError(f"unknown Sigma collection action {action!r}")
        except Exception as exc:  # pySigma on arbitrary YAML fails in many ways; this document only
            reason = str(exc) if isinstance(exc, SigmaError) else f"{type(exc).__name__}: {exc}"
            message = f"not a Sigma rule: {reason}"
            result.problems.append(
                {"rule": _ident(document), "message": f"{label}: {message}" if label else message}
            )
            continue
        items.append(item)
        errors += item.errors
        if label:
            result.where[id(item)] = label
    result.collection = SigmaCollection(items, errors, collect_filters=True, resolve_references=False)
    return result


def more_bounds(rule: SigmaCorrelationRule) -> tuple[tuple[str, int], ...]:
    """The bounds of a correlation's range beyond the one pySigma read (``(("lte", 200),)``)."""
    bounds = rule.custom_attributes.get(MORE_BOUNDS) or ()
    return tuple((str(op), int(count)) for op, count in bounds)


def _first_bound(document: dict[Any, Any]) -> tuple[dict[Any, Any], list[tuple[str, int]]]:
    """A correlation document whose condition is a range (``gt: 100`` and ``lte: 200``, both to
    hold) with only its first bound, for pySigma, and the other bounds."""
    correlation = document.get("correlation")
    condition = correlation.get("condition") if isinstance(correlation, dict) else None
    if not isinstance(condition, dict):
        return document, []
    ops = [key for key in condition if key in _OPERATORS]
    if len(ops) < 2:
        return document, []
    bounds: list[tuple[str, int]] = []
    for op in ops[1:]:
        try:
            bounds.append((op, int(condition[op])))
        except (TypeError, ValueError, OverflowError):
            raise SigmaCollectionError(
                f"'{condition[op]}' is no valid Sigma correlation condition count"
            ) from None
    first = {key: value for key, value in condition.items() if key not in ops[1:]}
    assert isinstance(correlation, dict)
    return {**document, "correlation": {**correlation, "condition": first}}, bounds


def _ident(document: object) -> str | None:
    if not isinstance(document, dict):
        return None
    return str(document.get("id") or document.get("title") or "") or None


def _label(number: int, document: object) -> str:
    """How a message names a document of a file of several: ``document 6 ('V6 range', id 0d…)``."""
    if not isinstance(document, dict):
        return f"document {number}"
    said = [repr(str(document["title"]))] if document.get("title") else []
    said += [f"id {document['id']}"] if document.get("id") else []
    return f"document {number}" + (f" ({', '.join(said)})" if said else "")
