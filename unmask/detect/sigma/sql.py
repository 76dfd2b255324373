"""Sigma detection logic (pySigma's parsed condition tree) to one SQL boolean expression.

The SQL is plain enough for DuckDB and Spark SQL.  Sigma matches strings case-insensitively,
so string comparisons run on a lower-cased copy of the column (:func:`lc`), which the engine
computes once per query rather than once per rule; case-sensitive matches (``|cased``,
``|re``) use the original column (:func:`col`).  A field the data lacks is ``NULL``;
``NOT`` treats ``NULL`` as "did not match", as Sigma means it.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.modifiers import SigmaBase64Modifier, SigmaBase64OffsetModifier
from sigma.rule import SigmaDetection, SigmaRule
from sigma.types import (
    CompareOperators,
    Placeholder,
    SigmaBool,
    SigmaCasedString,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExists,
    SigmaExpansion,
    SigmaFieldReference,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SigmaTimestampPart,
    SpecialChars,
)

from unmask.ingest.base import NULL_FIELDS

__all__ = [
    "ALL_FIELDS",
    "IN_NETWORK",
    "LOWER_PREFIX",
    "NUMBER",
    "VALUE_SEPARATOR",
    "Expression",
    "Unsupported",
    "col",
    "encoded_values",
    "fold",
    "given_as_null",
    "in_network",
    "lc",
    "quote",
    "to_sql",
]

LOWER_PREFIX = "__lc_"
ALL_FIELDS = "__all"  # the event's values, for keyword searches
# Between an event's values in the lower-cased whole-event text (engines/duckdb.py): a keyword
# never holds it, so no keyword matches across two values (the original-case ALL_FIELDS is a
# list of the values, for regular expressions).
VALUE_SEPARATOR = "\x1f"
# What |gt, |gte, |lt and |lte take for a number: decimal, a sign, a fraction, an exponent, and
# nothing around it (a value is compared as written, never trimmed: " 80" is no number).
NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
# The engine's function (value, network) -> whether the value is an IP address in the network.
IN_NETWORK = "unmask_in_network"


@functools.lru_cache(maxsize=256)
def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text)


def in_network(value: str | None, network: str) -> bool:
    """Whether ``value`` is an IP address of the network's version in ``network``."""
    if value is None:
        return False
    try:
        # As written: "10.0.0.1 " is no address (nothing is trimmed, as no string compare trims).
        address = ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return False
    net = _network(network)
    return address.version == net.version and address in net


def fold(text: str) -> str:
    """Lower-cased as the engine lower-cases event values (Python turns İ into two code points)."""
    return text.replace("\u0130", "I").lower()


_OPS = {
    CompareOperators.LT: "<",
    CompareOperators.LTE: "<=",
    CompareOperators.GT: ">",
    CompareOperators.GTE: ">=",
}
_REGEX_FLAGS = {
    SigmaRegularExpressionFlag.IGNORECASE: "i",
    SigmaRegularExpressionFlag.MULTILINE: "m",
    SigmaRegularExpressionFlag.DOTALL: "s",
}


class Unsupported(Exception):
    """A part of a rule this compiler cannot express (reported per rule, never fatal)."""


def quote(name: str) -> str:
    """A SQL identifier."""
    if "\x00" in name:
        raise Unsupported(f"field name {name!r} contains a NUL character")
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A SQL string literal (standard SQL: quotes doubled, backslashes literal)."""
    if "\x00" in text:
        raise Unsupported("value contains a NUL character")
    return "'" + text.replace("'", "''") + "'"


def col(name: str) -> str:
    return quote(name)


def given_as_null(name: str) -> str:
    """Whether the event gives the field ``name`` with the value null (a field present, without
    a value: see :data:`~unmask.ingest.base.NULL_FIELDS`)."""
    return f"coalesce(contains({col(NULL_FIELDS)}, {literal(chr(10) + name.lower() + chr(10))}), false)"


def lc(name: str) -> str:
    return quote(LOWER_PREFIX + name)


@dataclass
class Expression:
    """The SQL of one rule and what it needs from the data."""

    sql: str
    fields: set[str] = field(default_factory=set)  # original columns used
    lowered: set[str] = field(default_factory=set)  # columns used lower-cased
    regexes: list[str] = field(default_factory=list)  # patterns to check with the engine


class _Compiler:
    def __init__(
        self,
        field_map: Mapping[str, str],
        unsupported_fields: frozenset[str],
        encoded: frozenset[int],
        value_map: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.field_map = field_map
        self.unsupported_fields = unsupported_fields
        self.encoded = encoded
        self.value_map = value_map or {}
        self.out = Expression("")

    def name(self, field_name: str | None) -> str:
        if field_name is None:
            raise Unsupported("a value without a field inside a field condition")
        if field_name in self.unsupported_fields:
            raise Unsupported(f"field {field_name!r} does not exist in this log source")
        return self.field_map.get(field_name, field_name)

    def other_form(self, field_name: str | None, value: object) -> str | None:
        """The route's other form of a rule's plain value (4688's 'S-1-16-12288' for 'High'), folded."""
        forms = self.value_map.get(field_name or "")
        if not forms or type(value) is not SigmaString or value.contains_special():
            return None
        other = forms.get(str(value).lower())
        return fold(other) if other is not None else None

    def col(self, field_name: str) -> str:
        self.out.fields.add(field_name)
        return col(field_name)

    def lc(self, field_name: str) -> str:
        self.out.lowered.add(field_name)
        return lc(field_name)

    # -- tree -------------------------------------------------------------------------
    def node(self, item: object) -> str:
        if isinstance(item, ConditionAND):
            return "(" + " AND ".join(self.node(a) for a in item.args) + ")"
        if isinstance(item, ConditionOR):
            return self.disjunction(item.args)
        if isinstance(item, ConditionNOT):
            return f"(NOT coalesce({self.node(item.args[0])}, false))"
        if isinstance(item, ConditionFieldEqualsValueExpression):
            name = self.name(item.field)
            sql = self.field_value(name, item.value)
            other = self.other_form(item.field, item.value)
            return sql if other is None else f"({sql} OR {self.lc(name)} = {literal(other)})"
        if isinstance(item, ConditionValueExpression):
            return self.keyword(item.value)
        raise Unsupported(f"condition element {type(item).__name__}")

    def disjunction(self, args: Sequence[object]) -> str:
        # Plain case-insensitive equalities on one field become one IN list.
        groups: dict[str, list[str]] = {}
        rest: list[str] = []
        for arg in args:
            if (
                isinstance(arg, ConditionFieldEqualsValueExpression)
                and type(arg.value) is SigmaString
                and not arg.value.contains_special()
                and not arg.value.contains_placeholder()
                and arg.field is not None
                and id(arg.value) not in self.encoded
            ):
                name = self.name(arg.field)
                groups.setdefault(name, []).append(literal(fold(str(arg.value))))
                other = self.other_form(arg.field, arg.value)
                if other is not None:
                    groups[name].append(literal(other))
            else:
                rest.append(self.node(arg))
        parts = [
            f"{self.lc(name)} = {values[0]}"
            if len(values) == 1
            else f"{self.lc(name)} IN ({', '.join(values)})"
            for name, values in groups.items()
        ]
        return "(" + " OR ".join(parts + rest) + ")"

    # -- values -----------------------------------------------------------------------
    def field_value(self, name: str, value: object) -> str:
        if id(value) in self.encoded:
            values = value.values if isinstance(value, SigmaExpansion) else [value]
            if all(isinstance(v, SigmaString) for v in values):
                return "(" + " OR ".join(self.string(self.col(name), v, lower=False) for v in values) + ")"  # type: ignore[arg-type]
        if isinstance(value, SigmaExpansion):
            return "(" + " OR ".join(self.field_value(name, v) for v in value.values) + ")"
        if isinstance(value, SigmaCasedString):
            return self.string(self.col(name), value, lower=False)
        if isinstance(value, SigmaString):
            return self.string(self.lc(name), value, lower=True)
        if isinstance(value, SigmaBool):
            return f"{self.lc(name)} = {literal('true' if value.boolean else 'false')}"
        if isinstance(value, SigmaTimestampPart):  # |hour, |day ...: a part of the field's time
            part = value.timestamp_part.name.lower()
            return f"(date_part({literal(part)}, TRY_CAST({self.col(name)} AS TIMESTAMPTZ)) = {int(value.number)})"
        if isinstance(value, SigmaNumber):
            return f"{self.col(name)} = {literal(str(value.number))}"
        if isinstance(value, SigmaNull):
            column = self.col(name)
            return f"({column} IS NULL OR {column} = '')"
        if isinstance(value, SigmaExists):
            # Present is present, whatever the value: a field the event gives as JSON null exists.
            self.out.fields.add(NULL_FIELDS)
            if value.exists:
                return f"({self.col(name)} IS NOT NULL OR {given_as_null(name)})"
            return f"({self.col(name)} IS NULL AND NOT {given_as_null(name)})"
        if isinstance(value, SigmaRegularExpression):
            flags = "".join(_REGEX_FLAGS[f] for f in value.flags if f in _REGEX_FLAGS)
            pattern = (f"(?{flags})" if flags else "") + str(value.regexp)
            self.out.regexes.append(pattern)
            return f"regexp_matches({self.col(name)}, {literal(pattern)})"
        if isinstance(value, SigmaCIDRExpression):
            # The text prefixes narrow the rows cheaply ("10.*"); the engine's IN_NETWORK function
            # decides (10.evil.com is not in 10.0.0.0/8, 2001:db8:5::1 is not in 2001:db8::/48).
            prefixes = value.expand(wildcard="*")
            column = self.lc(name)
            narrow = "(" + " OR ".join(self.pattern(column, p.lower()) for p in prefixes) + ")"
            return f"({narrow} AND {IN_NETWORK}({self.col(name)}, {literal(str(value.network))}))"
        if isinstance(value, SigmaCompareExpression):
            op = _OPS[value.op]
            column = self.col(name)
            # Only a value written as a number: DuckDB's cast would also take " 80", "8_0", "inf".
            number = f"CASE WHEN regexp_full_match({column}, {literal(NUMBER)}) THEN TRY_CAST({column} AS DOUBLE) END"
            return f"(({number}) {op} {float(value.number.number)!r})"
        if isinstance(value, SigmaFieldReference):
            other = self.name(value.field)
            left, right = self.lc(name), self.lc(other)
            if value.starts_with and value.ends_with:
                return f"contains({left}, {right})"
            if value.starts_with:
                return f"starts_with({left}, {right})"
            if value.ends_with:
                return f"suffix({left}, {right})"
            return f"({left} = {right})"
        raise Unsupported(f"value type {type(value).__name__}")

    def keyword(self, value: object) -> str:
        if isinstance(value, SigmaExpansion):
            return "(" + " OR ".join(self.keyword(v) for v in value.values) + ")"
        if isinstance(value, SigmaString | SigmaNumber):
            text = value if isinstance(value, SigmaString) else SigmaString(str(value.number))
            self.note_placeholders(text)
            self.out.lowered.add(ALL_FIELDS)
            if not text.contains_special():
                # The value's own characters: str() would write an escaped wildcard back as "\\*".
                plain = "".join(part for part in text.s if isinstance(part, str))
                return f"contains({lc(ALL_FIELDS)}, {literal(fold(plain))})"
            # Wildcards stay within one value: * and ? never match the separator between values.
            pattern = _keyword_regex(text)
            self.out.regexes.append(pattern)
            return f"regexp_matches({lc(ALL_FIELDS)}, {literal(pattern)})"
        if isinstance(value, SigmaRegularExpression):
            flags = "".join(_REGEX_FLAGS[f] for f in value.flags if f in _REGEX_FLAGS)
            pattern = (f"(?{flags})" if flags else "") + str(value.regexp)
            self.out.regexes.append(pattern)
            self.out.fields.add(ALL_FIELDS)
            # Each value on its own: anchors mean the start and end of a value.
            return (
                f"(len(list_filter({col(ALL_FIELDS)}, lambda v: regexp_matches(v, {literal(pattern)}))) > 0)"
            )
        raise Unsupported(f"keyword of type {type(value).__name__}")

    def string(self, column: str, value: SigmaString, *, lower: bool) -> str:
        self.note_placeholders(value)
        return self.pattern(column, _like(value, lower=lower), like=True)

    def note_placeholders(self, value: SigmaString) -> None:
        names = [part.name for part in value.s if isinstance(part, Placeholder)]
        if names:
            # Sigma: a tool that cannot fill placeholders rejects the rule (matching anything in
            # their place would flag every event, or silence a rule whose filter holds one).
            raise Unsupported(
                f"placeholder %{names[0]}% has no value (a rule of placeholders needs values unmask cannot fill)"
            )

    def pattern(self, column: str, pattern: str, *, like: bool = False) -> str:
        """The fastest SQL for a LIKE pattern (or a ``*`` wildcard string when ``like`` is false)."""
        if not like:
            pattern = _like(SigmaString(pattern), lower=False)
        lead = pattern.startswith("%")
        trail = len(pattern) > int(lead) and pattern.endswith("%") and not _escaped_end(pattern)
        body = pattern[int(lead) : len(pattern) - int(trail)]
        if not _has_wildcard(body):
            text = _unescape_like(body)
            if lead and trail:
                return f"contains({column}, {literal(text)})"
            if trail:
                return f"starts_with({column}, {literal(text)})"
            if lead:
                return f"suffix({column}, {literal(text)})"
            return f"{column} = {literal(text)}"
        return f"{column} LIKE {literal(pattern)} ESCAPE '\\'"


def _like(value: SigmaString, *, lower: bool) -> str:
    out: list[str] = []
    for part in value.s:
        if isinstance(part, str):
            text = fold(part) if lower else part
            out.append(text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_"))
        elif part == SpecialChars.WILDCARD_MULTI:
            out.append("%")
        elif part == SpecialChars.WILDCARD_SINGLE:
            out.append("_")
    return "".join(out)


def _keyword_regex(value: SigmaString) -> str:
    """A keyword with wildcards as a regular expression over the lower-cased values of an event."""
    out: list[str] = []
    for part in value.s:
        if isinstance(part, str):
            out.append(re.escape(fold(part)))
        elif part == SpecialChars.WILDCARD_MULTI:
            out.append(f"[^{VALUE_SEPARATOR}]*")
        elif part == SpecialChars.WILDCARD_SINGLE:
            out.append(f"[^{VALUE_SEPARATOR}]")
    return "".join(out)


def _escaped_end(pattern: str) -> bool:
    """Whether the last character of a LIKE pattern is escaped."""
    count = 0
    for char in reversed(pattern[:-1]):
        if char != "\\":
            break
        count += 1
    return count % 2 == 1


def _has_wildcard(body: str) -> bool:
    escaped = False
    for char in body:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "%_":
            return True
    return False


def _unescape_like(text: str) -> str:
    out: list[str] = []
    escaped = False
    for char in text:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            out.append(char)
    return "".join(out)


def encoded_values(rule: SigmaRule) -> frozenset[int]:
    """The ids of a rule's values that ``base64`` or ``base64offset`` produced: Base64 text is
    compared as written (``ywjj`` is not ``YWJj``), not case-insensitively like other strings."""
    found: set[int] = set()

    def walk(detection: SigmaDetection) -> None:
        for item in detection.detection_items:
            if isinstance(item, SigmaDetection):
                walk(item)
            elif any(issubclass(m, SigmaBase64Modifier | SigmaBase64OffsetModifier) for m in item.modifiers):
                found.update(id(value) for value in item.value)

    for detection in rule.detection.detections.values():
        walk(detection)
    return frozenset(found)


def to_sql(
    conditions: Sequence[object],
    field_map: Mapping[str, str] | None = None,
    unsupported_fields: frozenset[str] = frozenset(),
    encoded: frozenset[int] = frozenset(),
    value_map: Mapping[str, Mapping[str, str]] | None = None,
) -> Expression:
    """One SQL expression for a rule's conditions (several conditions are alternatives).

    ``encoded`` holds the ids of values to compare case-sensitively (:func:`encoded_values`);
    ``value_map`` other forms of a field's plain values (lower-cased value -> form), each matched too."""
    compiler = _Compiler(field_map or {}, unsupported_fields, encoded, value_map)
    parts = [compiler.node(c) for c in conditions]
    compiler.out.sql = parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"
    return compiler.out
