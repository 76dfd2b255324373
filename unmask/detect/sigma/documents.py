"""A Sigma rule file's YAML documents, each parsed on its own.

A file can hold many rules, filters and correlations (``---`` between them).  pySigma's
``SigmaCollection.from_dicts`` parses them together, and some errors it raises rather than
collects, so one bad document cost the whole file without saying which.  Here each document is
parsed alone, as ``from_dicts`` would (the ``action: global`` / ``reset`` / ``repeat`` documents
included): a bad one is a problem naming it (its number in the file, title and id) and the
others load.  A document that is not YAML at all is read apart from the others (they are split at
their ``---`` lines) and named with the line of its error.

A correlation's range (the specification's ``condition: {gt: 100, lte: 200}``, 101 to 200), which
pySigma refuses ("exactly one condition item"), is read here: pySigma gets the first bound and
the others ride along in the rule's custom attributes under :data:`MORE_BOUNDS`
(:func:`more_bounds`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from sigma.collection import SigmaCollection, deep_dict_update
from sigma.correlations import SigmaCorrelationConditionOperator, SigmaCorrelationRule
from sigma.exceptions import SigmaCollectionError, SigmaError
from sigma.filters import SigmaFilter
from sigma.rule import SigmaRule

from unmask import safe_json
from unmask.safe_yaml import load_all_strict

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
    """The documents of a rule file, each parsed alone: one that is not YAML (a bracket left open)
    is a problem naming it and the line, and the others load."""
    read = _yaml_documents(text)
    documents = [document for document, _ in read]
    if safe_json.may_hold_surrogates(text):
        # A lone surrogate ("\ud800") in a title or value would reach findings, case files and SQL,
        # none of which can hold one.
        documents = [safe_json.mend(document) for document in documents]
    broken = {number: error for number, (_, error) in enumerate(read, start=1) if error is not None}
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
        if number in broken:
            message = f"not YAML: {_yaml_reason(broken[number])}"
            result.problems.append(
                {"rule": _ident(document), "message": f"{label}: {message}" if label else message}
            )
            continue
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


# Where a document starts: "---" at the start of a line, alone or before a blank (YAML allows it
# nowhere else there, not even inside a quoted or block text).
_DOCUMENT_START = re.compile(r"^---(?=[ \t\r\n]|$)", re.MULTILINE)
# A document's own title or id, as its line says it (the rest of the line, taken apart in Python:
# a lazy value before optional blanks backtracked in the square of a long line's blanks).
_TOP_KEY = re.compile(r"^(title|id):([^\n]*+)", re.MULTILINE)


def _top_keys(part: str) -> dict[str, str]:
    """The title and id a document's lines give (``title: 'x'  # note`` is ``x``)."""
    found = {}
    for key, rest in _TOP_KEY.findall(part):
        value = rest.split(" #", 1)[0].strip().strip("'\"").strip()
        if value:
            found[key] = value
    return found


def _yaml_documents(text: str) -> list[tuple[Any, yaml.YAMLError | None]]:
    """The YAML documents of ``text``, each with the error that kept it from being read (then the
    document is what its text says of its title and id, to name it).  The file is read whole; when
    it cannot be, each document is read alone, so one broken document costs itself only."""
    try:
        return [(document, None) for document in load_all_strict(text)]
    except yaml.YAMLError:
        pass
    read: list[tuple[Any, yaml.YAMLError | None]] = []
    starts = [0] + [m.start() for m in _DOCUMENT_START.finditer(text) if m.start() > 0]
    for begin, end in zip(starts, [*starts[1:], len(text)], strict=True):
        part = text[begin:end]
        try:
            read += [(document, None) for document in load_all_strict(part)]
        except yaml.YAMLError as exc:
            _shift(exc, text.count("\n", 0, begin))
            said = _top_keys(part)
            read.append((said, exc))
    return read


def _shift(error: yaml.YAMLError, lines: int) -> None:
    """An error of a document read alone, its places moved to where the document is in its file."""
    for mark in (getattr(error, "context_mark", None), getattr(error, "problem_mark", None)):
        if mark is not None:
            mark.line += lines


def _yaml_reason(error: yaml.YAMLError) -> str:
    """Why a document is not YAML, and where: ``expected ',' or ']', but got ':' (line 15, column 12)``."""
    mark = getattr(error, "problem_mark", None)
    parts = [getattr(error, "context", None), getattr(error, "problem", None)]
    said = ", ".join(str(p) for p in parts if p) or str(error).splitlines()[0]
    return f"{said} (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else said


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
