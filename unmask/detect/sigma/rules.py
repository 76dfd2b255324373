"""Loading Sigma rule folders and compiling each rule to SQL per route, with a cache.

Rules are parsed by pySigma (modifiers, placeholders, correlation rules); each is then
compiled once per route (see :mod:`unmask.detect.sigma.routes`).  A rule that cannot be
parsed or compiled is reported with its file and the reason and left out; it never stops
the load.  Compiled rules are cached by the SHA-256 of their file, so a second hunt with
the same rules skips pySigma entirely.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import yaml
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError
from sigma.filters import SigmaFilter
from sigma.modifiers import SigmaAllModifier, SigmaWideModifier, modifier_mapping
from sigma.rule import SigmaDetection, SigmaRule

from unmask import safe_json
from unmask.detect.sigma.correlation import Correlation, correlation_from_rule
from unmask.detect.sigma.documents import read_rule_file
from unmask.detect.sigma.routes import Route, routes_for
from unmask.detect.sigma.sql import (
    ALL_FIELDS,
    Unsupported,
    col,
    encoded_values,
    given_as_null,
    lc,
    to_sql,
)
from unmask.errors import ConfigError
from unmask.ingest.base import NULL_FIELDS
from unmask.safe_yaml import first_alias

__all__ = ["COMPILER_VERSION", "CompiledRoute", "CompiledRule", "RuleProblem", "RuleSet", "load_rules"]

# Bump whenever the SQL a rule compiles to changes: it invalidates the cache.
# 7: keywords per value, placeholders rejected; 8: Sigma taxonomy field names on Zeek logs.
COMPILER_VERSION = "30"  # 30: 4688 ProcessId, ParentProcessId, IntegrityLevel, User; 29: keys given twice refused; 28: a document that is not YAML costs itself only; 27: a warning for |all on one value; 26: numbers and addresses as written, not trimmed; 25: each document of a file parsed alone; 24: |exists finds a field given as null; 23: a rule's place in its file; 22: Sigma filters applied; 21: selections named not...; 20: product-linux rules skip auditd's derived process rows; 19: escaped wildcards in keywords, Security fields over 4657; 18: proxy rules over proxies' own logs; 15: Linux process creation from auditd; 14: web access logs; 13: auditd records, sshd-session; 12: 4657 operation codes; 11: timestamp parts in UTC; 10: cidr as an IP network, Sysmon 12 by EventType

_TECHNIQUE = re.compile(r"^attack\.(t\d{4}(?:\.\d{3})?)$", re.IGNORECASE)
_SOFTWARE = re.compile(r"^attack\.(s\d{4})$", re.IGNORECASE)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class CompiledRoute:
    """One rule's SQL over one route's events."""

    route: Route
    sql: str
    lowered: frozenset[str]
    fields: frozenset[str]
    regexes: tuple[str, ...] = ()  # checked against the engine before the rule is used

    def to_dict(self) -> dict[str, Any]:
        return {
            "route": {
                "name": self.route.name,
                "family": self.route.family,
                "filter": self.route.filter,
                "field_map": dict(self.route.field_map),
                "unsupported_fields": sorted(self.route.unsupported_fields),
            },
            "sql": self.sql,
            "lowered": sorted(self.lowered),
            "fields": sorted(self.fields),
            "regexes": list(self.regexes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CompiledRoute:
        r = data["route"]
        route = Route(
            r["name"], r["family"], r["filter"], dict(r["field_map"]), frozenset(r["unsupported_fields"])
        )
        return cls(
            route,
            data["sql"],
            frozenset(data["lowered"]),
            frozenset(data["fields"]),
            tuple(data.get("regexes", ())),
        )


@dataclass
class CompiledRule:
    """A Sigma rule ready to run: its identity, ATT&CK tags and SQL per route."""

    id: str
    name: str | None
    title: str
    level: str
    status: str | None
    techniques: tuple[str, ...]
    software: tuple[str, ...]
    path: str
    logsource: str
    routes: list[CompiledRoute] = field(default_factory=list)
    skipped_routes: list[str] = field(default_factory=list)
    filters: tuple[str, ...] = ()  # the Sigma filters (ids or titles) applied to the rule
    position: int | None = None  # the rule's place among its file's rules (what filters replace)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "title": self.title,
            "level": self.level,
            "status": self.status,
            "techniques": list(self.techniques),
            "software": list(self.software),
            "path": self.path,
            "logsource": self.logsource,
            "routes": [r.to_dict() for r in self.routes],
            "skipped_routes": list(self.skipped_routes),
            "filters": list(self.filters),
            "position": self.position,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CompiledRule:
        return cls(
            id=data["id"],
            name=data.get("name"),
            title=data["title"],
            level=data["level"],
            status=data.get("status"),
            techniques=tuple(data["techniques"]),
            software=tuple(data["software"]),
            path=data["path"],
            logsource=data["logsource"],
            routes=[CompiledRoute.from_dict(r) for r in data["routes"]],
            skipped_routes=list(data.get("skipped_routes", [])),
            filters=tuple(data.get("filters", ())),
            position=data.get("position"),
        )


@dataclass(frozen=True)
class RuleProblem:
    """A rule (or file) left out, and why."""

    path: str
    rule: str | None
    message: str

    def __str__(self) -> str:
        who = f" (rule {self.rule})" if self.rule else ""
        return f"{self.path}{who}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "rule": self.rule, "message": self.message}


@dataclass
class RuleSet:
    """Compiled rules, correlation rules, and what could not be used."""

    rules: list[CompiledRule] = field(default_factory=list)
    correlations: list[Correlation] = field(default_factory=list)
    problems: list[RuleProblem] = field(default_factory=list)
    unrouted: list[CompiledRule] = field(default_factory=list)
    files: int = 0
    warnings: list[str] = field(default_factory=list)  # rules that run, but not as one would expect
    # How many of the warnings, the last ones, say a rule reads a field some of its routes' events
    # never have (SigmaHQ's OriginalFileName on Security 4688: hundreds, said together).
    absent: int = 0

    def by_id(self) -> dict[str, CompiledRule]:
        return {r.id: r for r in self.rules}


def _tags(rule: SigmaRule | SigmaCorrelationRule) -> tuple[tuple[str, ...], tuple[str, ...]]:
    techniques: list[str] = []
    software: list[str] = []
    for tag in rule.tags:
        text = f"{tag.namespace}.{tag.name}"
        if m := _TECHNIQUE.match(text):
            techniques.append(m.group(1).upper())
        elif m := _SOFTWARE.match(text):
            software.append(m.group(1).upper())
    return tuple(dict.fromkeys(techniques)), tuple(dict.fromkeys(software))


def _logsource_text(rule: SigmaRule) -> str:
    source = rule.logsource
    return "/".join(p or "-" for p in (source.product, source.category, source.service))


# The Sigma specification's utf16le is wide (UTF-16LE); pySigma 1.5 knows it only as wide.
modifier_mapping.setdefault("utf16le", SigmaWideModifier)

_TOKEN = re.compile(r"[A-Za-z0-9_*-]+")


def _rename_not_prefixed(rule: SigmaRule) -> str | None:
    """Give selections named ``not...`` (``notepad``, ``not_admin``) other names, in place; the
    prefix given (``None`` when no name needed one).

    pySigma's condition grammar reads the ``not`` that starts such a name as the operator, so
    ``sel and notx`` ran as ``sel and not x``, silently turning the rule around.  Each such name
    and each condition word that starts with it (a name, or a pattern of ``1 of not*``) gets a
    prefix chosen so that every other pattern of the condition (``1 of sel*``, ``1 of *``,
    ``1 of n*``) picks the same selections as before; if no prefix can, the rule is refused.
    """
    detection = rule.detection
    names = list(detection.detections)
    if not any(_misread(name) for name in names):
        return None
    patterns = [
        re.compile(re.escape(word).replace(r"\*", ".*"))
        for condition in detection.condition
        for word in _TOKEN.findall(condition)
        if "*" in word and not _misread(word)
    ]
    taken = set(names)
    for prefix in _PREFIXES:
        renamed_names = {name: prefix + name if _misread(name) else name for name in names}
        if set(renamed_names.values()) & (taken - set(renamed_names)) or any(
            prefix + name in taken for name in names if _misread(name)
        ):
            continue
        if all(
            bool(pattern.fullmatch(old)) == bool(pattern.fullmatch(new))
            for pattern in patterns
            for old, new in renamed_names.items()
        ):
            break
    else:
        raise Unsupported(
            "a selection starts with 'not', which pySigma reads as the operator, and the condition's "
            "patterns would pick other selections once it is renamed: rename the selection"
        )

    def renamed(match: re.Match[str]) -> str:
        word = match.group(0)
        return prefix + word if _misread(word) else word

    detection.condition = [_TOKEN.sub(renamed, c) for c in detection.condition]
    detection.detections = {renamed_names[k]: v for k, v in detection.detections.items()}
    for parsed, text in zip(detection.parsed_condition, detection.condition, strict=True):
        parsed.condition = text
    return prefix


# Prefixes tried for a selection named not...: "n_" keeps "1 of n*" picking it, "x_" or "q_" keep
# "1 of sel*" from picking it up.
_PREFIXES = ("n_", "no_", "x_", "q_", "zz_", "n__", "x__")


def _misread(word: str) -> bool:
    """Whether a selection name (or pattern) starts with the operator ``not`` (case matters)."""
    return word.startswith("not") and len(word) > 3


def compile_rule(rule: SigmaRule, path: str) -> CompiledRule:
    """Compile one parsed rule for every route of its log source."""
    techniques, software = _tags(rule)
    compiled = CompiledRule(
        id=str(rule.id) if rule.id else f"{path}#{rule.title}",
        name=rule.name,
        title=rule.title,
        level=rule.level.name.lower() if rule.level else "informational",
        status=rule.status.name.lower() if rule.status else None,
        techniques=techniques,
        software=software,
        path=path,
        logsource=_logsource_text(rule),
    )
    prefix = _rename_not_prefixed(rule)
    try:
        conditions = [c.parsed for c in rule.detection.parsed_condition]
    except SigmaError as exc:
        if prefix is None:
            raise
        # Said with the names as the rule writes them, not as they were renamed for pySigma.
        raise Unsupported(str(exc).replace(f"'{prefix}not", "'not")) from None
    if any(c is None for c in conditions):
        raise Unsupported(
            f"the condition {' / '.join(rule.detection.condition)!r} names no selection of the rule"
        )
    encoded = encoded_values(rule)
    for route in routes_for(rule.logsource):
        try:
            expression = to_sql(
                conditions, route.field_map, route.unsupported_fields, encoded, route.value_map
            )
        except Unsupported as exc:
            compiled.skipped_routes.append(f"{route.name}: {exc}")
            continue
        sql = expression.sql
        if route.anchored:
            own = {ALL_FIELDS, NULL_FIELDS}  # unmask's own columns say nothing of the product
            named = [col(name) for name in sorted(expression.fields - own)]
            named += [lc(name) for name in sorted(expression.lowered - expression.fields - own)]
            if not named:
                # Keywords alone (a Cisco CLI rule): nothing tells which generic events it is for.
                continue
            present = " OR ".join(f"{name} IS NOT NULL" for name in named)
            if NULL_FIELDS in expression.fields:  # |exists: a field given as null is there too
                data = sorted((expression.fields | expression.lowered) - own)
                present = " OR ".join([present, *(given_as_null(name) for name in data)])
            sql = f"({sql}) AND ({present})"
        compiled.routes.append(
            CompiledRoute(
                route,
                sql,
                frozenset(expression.lowered),
                frozenset(expression.fields),
                tuple(expression.regexes),
            )
        )
    return compiled


class _RegexChecker:
    """Asks the SQL engine whether it accepts a regular expression (RE2 has no look-around)."""

    def __init__(self) -> None:
        self._db: duckdb.DuckDBPyConnection | None = None

    def check(self, pattern: str) -> None:
        if self._db is None:
            self._db = duckdb.connect()
        try:
            self._db.execute("SELECT regexp_matches('', ?)", [pattern])
        except duckdb.Error as exc:
            raise Unsupported(
                f"regular expression {pattern!r} is not supported: {str(exc).splitlines()[0]}"
            ) from None


class _Cache:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, Any] = {}
        self.dirty = False
        if path is not None and path.is_file():
            try:
                data = safe_json.loads(path.read_text(encoding="utf-8"))  # mends an old entry
                if data.get("version") == COMPILER_VERSION:
                    self.entries = data["files"]
            except (OSError, ValueError, KeyError):
                self.entries = {}

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        from unmask.knowledge.home import atomic_write

        body = {"version": COMPILER_VERSION, "files": self.entries}
        atomic_write(self.path, json.dumps(body, separators=(",", ":")).encode())


def rule_files(folders: Iterable[Path]) -> list[Path]:
    """The rule files of each folder or file given, each once (``--rules rules --rules
    rules/windows`` or a file given twice loads its rules once)."""
    files: dict[str, Path] = {}
    for folder in folders:
        if not folder.exists():
            raise ConfigError(f"rules folder {folder} does not exist")
        for path in [folder] if folder.is_file() else _walk(folder):
            files.setdefault(os.path.realpath(path), path)
    return list(files.values())


def _walk(folder: Path) -> list[Path]:
    """The rule files under ``folder``, linked folders followed once (a link cannot loop)."""
    found: list[Path] = []
    seen: set[str] = set()
    for root, dirs, names in os.walk(folder, followlinks=True):
        real = os.path.realpath(root)
        if real in seen:
            dirs[:] = []
            continue
        seen.add(real)
        dirs.sort()
        found += [
            Path(root) / n
            for n in sorted(names)
            if n.endswith((".yml", ".yaml")) and (Path(root) / n).is_file()
        ]
    return sorted(found)


def load_rules(
    folders: Iterable[Path | str],
    *,
    cache: Path | None = None,
    progress: Progress | None = None,
    jobs: int | None = None,
) -> RuleSet:
    """Load and compile every Sigma rule under ``folders`` (files or folders, recursively).

    Files not in the cache are compiled in ``jobs`` worker processes when there are many.
    """
    files = rule_files(Path(f) for f in folders)
    store = _Cache(cache)
    result = RuleSet(files=len(files))
    contents: list[tuple[Path, bytes, str] | None] = []
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            result.problems.append(RuleProblem(str(path), None, f"cannot read: {exc}"))
            contents.append(None)
            continue
        contents.append((path, data, hashlib.sha256(data).hexdigest()))
    missing = {
        item[2]: item
        for item in contents
        if item is not None and (item[2] not in store.entries or store.entries[item[2]].get("correlations"))
    }
    done = len(contents) - len(missing)
    if progress:
        progress(done, len(files))
    checker = _RegexChecker()  # the engine is asked here, in this process, never in a worker
    for digest, entry in _compile_all(list(missing.values()), jobs, progress, done, len(files)):
        store.entries[digest] = _validate(entry, checker)
        store.dirty = True
    correlation_docs: list[tuple[str, SigmaCorrelationRule]] = []
    absent: list[str] = []  # fields a route's events never have: many with SigmaHQ's rules, so last
    for item in contents:
        if item is None:
            continue
        path, data, digest = item
        entry = store.entries[digest]
        if entry.get("correlations"):  # parsed again here: correlation objects stay in this process
            _compile_file(data, str(path), correlation_docs)
        for rule in entry["rules"]:
            compiled = CompiledRule.from_dict(rule)
            compiled.path = str(path)
            (result.rules if compiled.routes else result.unrouted).append(compiled)
        result.problems.extend(
            RuleProblem(str(path), p.get("rule"), p["message"])
            for p in entry["problems"]
            if p.get("kind") not in ("unrouted", "warning", "absent")
        )
        result.warnings += [
            str(RuleProblem(str(path), p.get("rule"), p["message"]))
            for p in entry["problems"]
            if p.get("kind") == "warning"
        ]
        absent += [
            str(RuleProblem(str(path), p.get("rule"), p["message"]))
            for p in entry["problems"]
            if p.get("kind") == "absent"
        ]
    store.save()
    holding = [item for item in contents if item is not None and store.entries[item[2]].get("filters")]
    filters = _filters(holding)
    if filters:
        signature = hashlib.sha256("\0".join(f"{p}\0{d}" for p, _, d in holding).encode()).hexdigest()
        references = {str(c.id) for _, c in correlation_docs} | {
            str(c.name) for _, c in correlation_docs if c.name
        }
        _apply_filters(
            filters,
            signature,
            [item for item in contents if item is not None],
            result,
            store,
            checker,
            references,
        )
    paths: dict[str, list[str]] = {}
    for compiled in result.rules + result.unrouted:
        paths.setdefault(compiled.id, []).append(compiled.path)
    result.warnings += [
        f"rule id {rule_id} is given by {len(found)} rules ({', '.join(found[:3])}{' …' if len(found) > 3 else ''}):"
        " each runs, their findings share the id, and a correlation naming it uses the last"
        for rule_id, found in paths.items()
        if len(found) > 1
    ]
    known = result.by_id()
    names = {r.name: r for r in result.rules if r.name}
    for path_text, correlation in correlation_docs:
        try:
            result.correlations.append(correlation_from_rule(correlation, known, names, path_text))
        except Unsupported as exc:
            result.problems.append(RuleProblem(path_text, str(correlation.id or correlation.title), str(exc)))
    result.warnings += absent
    result.absent = len(absent)
    return result


def _filters(items: list[tuple[Path, bytes, str]]) -> list[tuple[str, SigmaFilter]]:
    """The Sigma filters of the files that hold some (parsed again here, as correlations are)."""
    found: list[tuple[str, SigmaFilter]] = []
    for path, data, _ in items:
        collection = read_rule_file(data.decode("utf-8")).collection
        found += [(str(path), meta) for meta in collection.filters if not meta.errors]
    return found


_FILTER_PREFIX = re.compile(r"_filt_[a-z]{10}_")


def _apply_filters(
    filters: list[tuple[str, SigmaFilter]],
    signature: str,
    items: list[tuple[Path, bytes, str]],
    result: RuleSet,
    store: _Cache,
    checker: _RegexChecker,
    correlations: set[str],
) -> None:
    """Apply Sigma filters: a rule of a filter's log source that the filter names (by id or name,
    or ``any``) runs only where the filter's condition also holds.  The files of the rules named
    are read again and those rules compiled anew with the conditions of their filters added (cached
    under the filters' ``signature``).  A filter that cannot be applied to a rule (a condition
    naming no selection, a regular expression the engine cannot run) is reported against its own
    file, and the rule runs without it; a filter naming a rule no file gives, a correlation rule,
    or only rules of another log source, is a warning."""
    named: set[str] = set()
    every = False
    for _, meta in filters:
        if isinstance(meta.filter.rules, str):
            every = every or meta.filter.rules.lower() == "any"
        else:
            named |= {str(reference.reference) for reference in meta.filter.rules}
    rules = result.rules + result.unrouted
    loaded = {str(r.id) for r in rules} | {str(r.name) for r in rules if r.name}
    for path_text, meta in filters:
        for reference in [] if isinstance(meta.filter.rules, str) else meta.filter.rules:
            ref = str(reference.reference)
            if ref in correlations:
                result.warnings.append(
                    f"{path_text}: filter {meta.title!r} names the correlation rule {ref}: Sigma filters "
                    "apply to detection rules (filter the rules the correlation counts instead)"
                )
            elif ref not in loaded:
                result.warnings.append(
                    f"{path_text}: filter {meta.title!r} names rule {ref}, which no rule file given "
                    "defines: it filters nothing"
                )
    targets = {r.path for r in result.rules if every or r.id in named or (r.name and r.name in named)}
    replaced: dict[tuple[str, int | None], CompiledRule] = {}
    used: set[int] = set()
    attempted: set[int] = set()
    for path, data, digest in items:
        if str(path) not in targets:
            continue
        key = f"filtered:{digest}:{signature}"
        entry = store.entries.get(key)
        if entry is None:
            entry = _filtered_file(data, str(path), filters, checker)
            store.entries[key] = entry
            store.dirty = True
        for rule in entry["rules"]:
            compiled = CompiledRule.from_dict(rule)
            compiled.path = str(path)
            replaced[(str(path), compiled.position)] = compiled
        # The rule runs (without the filter): a filter's problem is a warning, not a rule lost.
        result.warnings += [f"{p['path']}: {p['message']}" for p in entry["problems"]]
        used.update(entry["used"])
        attempted.update(entry["attempted"])
    result.rules = [replaced.get((r.path, r.position), r) for r in result.rules]
    store.save()
    for number, (path_text, meta) in enumerate(filters):
        named_here = [] if isinstance(meta.filter.rules, str) else meta.filter.rules
        if number not in attempted and any(str(reference.reference) in loaded for reference in named_here):
            source = " ".join(
                part
                for part in (meta.logsource.category, meta.logsource.product, meta.logsource.service)
                if part
            )
            result.warnings.append(
                f"{path_text}: filter {meta.title!r} names rules whose log source is not its own "
                f"({source}): it filters nothing"
            )


def _filtered_file(
    data: bytes, path: str, filters: list[tuple[str, SigmaFilter]], checker: _RegexChecker
) -> dict[str, Any]:
    """The rules of one file that filters apply to, compiled with them (as dicts), the problems of
    filters that could not be applied (against the filter's file), and the filters used (numbers)."""
    compiled_rules: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    used: list[int] = []
    attempted: list[int] = []  # the filters whose log source and names take in a rule here
    collection = read_rule_file(data.decode("utf-8")).collection
    for position, rule in enumerate(collection.rules):
        if not isinstance(rule, SigmaRule) or rule.errors:
            continue
        applying = [n for n, (_, meta) in enumerate(filters) if meta._should_apply_on_rule(rule)]
        if not applying:
            continue
        attempted += applying
        try:
            routes = len(_compiled_with(rule, [], path, checker)["routes"])
        except (SigmaError, Unsupported, ValueError):
            continue  # the rule itself cannot be compiled: already reported
        good: dict[int, dict[str, Any]] = {}
        for number in applying:  # each filter tried alone: a broken one costs itself only
            filter_path, meta = filters[number]
            try:
                trial = _compiled_with(rule, [meta], path, checker)
                why = None if len(trial["routes"]) == routes else "; ".join(trial["skipped_routes"])
            except (SigmaError, Unsupported, ValueError) as exc:
                why = str(exc)
            if why is None:
                good[number] = trial
                continue
            problems.append(
                {
                    "path": filter_path,
                    "rule": str(meta.id or meta.title),
                    "message": f"filter {meta.title!r} cannot be applied to rule {rule.title!r} "
                    f"({path}): {_FILTER_PREFIX.sub('', why)}; the rule runs without it",
                }
            )
        if not good:
            continue
        try:  # one filter: its trial is the rule; several: compiled once more, together
            compiled = (
                next(iter(good.values()))
                if len(good) == 1
                else _compiled_with(rule, [filters[n][1] for n in good], path, checker)
            )
        except (SigmaError, Unsupported, ValueError) as exc:
            problems.append(
                {"path": path, "rule": str(rule.id or rule.title), "message": f"its filters together: {exc}"}
            )
            continue
        compiled["filters"] = [str(filters[n][1].id or filters[n][1].title) for n in good]
        compiled["position"] = position
        compiled_rules.append(compiled)
        used += list(good)
    return {"rules": compiled_rules, "problems": problems, "used": used, "attempted": attempted}


def _compiled_with(
    rule: SigmaRule, metas: list[SigmaFilter], path: str, checker: _RegexChecker
) -> dict[str, Any]:
    """The rule compiled with ``metas`` applied (on a copy), its routes checked against the engine."""
    filtered: SigmaRule | SigmaCorrelationRule = copy.deepcopy(rule)
    for meta in metas:
        filtered = meta.apply_on_rule(filtered)
    if not isinstance(filtered, SigmaRule):
        raise Unsupported("a filter turned the rule into another kind")
    entry = _validate({"rules": [compile_rule(filtered, path).to_dict()], "problems": []}, checker)
    if not entry["rules"]:
        raise Unsupported(entry["problems"][0]["message"])
    rule_dict: dict[str, Any] = entry["rules"][0]
    return rule_dict


def _validate(entry: dict[str, Any], checker: _RegexChecker) -> dict[str, Any]:
    """Drop the routes whose regular expressions the engine cannot run; report rules left without any."""
    kept: list[dict[str, Any]] = []
    for rule in entry["rules"]:
        routes = []
        for route in rule["routes"]:
            try:
                for pattern in route.get("regexes", ()):
                    checker.check(pattern)
            except Unsupported as exc:
                rule["skipped_routes"].append(f"{route['route']['name']}: {exc}")
                continue
            routes.append(route)
        if rule["routes"] and not routes:
            message = "cannot compile: " + "; ".join(rule["skipped_routes"])
            entry["problems"].append({"rule": rule["id"], "message": message})
            continue
        rule["routes"] = routes
        kept.append(rule)
    entry["rules"] = kept
    return entry


PARALLEL_FROM = 200  # fewer files than this compile in this process


def _compile_batch(items: list[tuple[Path, bytes, str]]) -> list[tuple[str, dict[str, Any]]]:
    """Worker: compile files, dropping pySigma objects (they stay behind)."""
    return [(digest, _compile_file(data, str(path), [])) for path, data, digest in items]


def _compile_all(
    items: list[tuple[Path, bytes, str]], jobs: int | None, progress: Progress | None, done: int, total: int
) -> Iterator[tuple[str, dict[str, Any]]]:
    workers = jobs or os.cpu_count() or 1
    if workers == 1 or len(items) < PARALLEL_FROM:
        for path, data, digest in items:
            yield digest, _compile_file(data, str(path), [])
            done += 1
            if progress:
                progress(done, total)
        return
    from concurrent.futures import as_completed
    from multiprocessing import get_context

    from unmask.workers import worker_pool

    size = max(20, len(items) // (workers * 8))
    batches = [items[i : i + size] for i in range(0, len(items), size)]
    method = "fork" if os.name == "posix" else "spawn"
    with worker_pool(workers, get_context(method)) as pool:
        futures = [pool.submit(_compile_batch, batch) for batch in batches]
        for future in as_completed(futures):
            results = future.result()
            yield from results
            done += len(results)
            if progress:
                progress(done, total)


_MODIFIER_NAMES = {modifier: name for name, modifier in modifier_mapping.items()}


def _single_value_all(rule: SigmaRule) -> list[str]:
    """What a rule does that Sigma does not allow, though it runs: ``|all`` on one value (the
    specification: "Single item values are not allowed to have an all modifier")."""
    found: list[str] = []

    def walk(detection: SigmaDetection) -> None:
        for item in detection.detection_items:
            if isinstance(item, SigmaDetection):
                walk(item)
            elif SigmaAllModifier in item.modifiers and len(item.value) == 1:
                names = [_MODIFIER_NAMES.get(m, m.__name__) for m in item.modifiers]
                written = "|".join([item.field or "(keyword)", *names])
                found.append(
                    f"{written!r} has a single value: Sigma allows 'all' only on a list of values "
                    "(the rule runs, as if it had no 'all')"
                )

    for detection in rule.detection.detections.values():
        walk(detection)
    return found


def _absent_fields(compiled: CompiledRule) -> list[str]:
    """What a rule names that some of its routes' events never have (Sysmon's OriginalFileName on
    Security 4688): the rule runs there as if those fields were missing."""
    found: list[str] = []
    for compiled_route in compiled.routes:
        route = compiled_route.route
        used = compiled_route.fields | compiled_route.lowered
        absent = sorted(name for name in used if name.lower() in route.absent_fields)
        if absent:
            names = ", ".join(repr(name) for name in absent)
            found.append(
                f"{names}: no such field in the events of route {route.name}, where the rule reads "
                f"{'it' if len(absent) == 1 else 'them'} as missing"
            )
    return found


def _compile_file(
    data: bytes, path: str, correlations: list[tuple[str, SigmaCorrelationRule]]
) -> dict[str, Any]:
    rules: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    try:
        text = data.decode("utf-8")
        if first_alias(text) is not None:  # nested aliases would hang the whole compilation
            return {
                "rules": [],
                "problems": [
                    {"rule": None, "message": "YAML aliases (*name) are not allowed in a rule file"}
                ],
            }
        # References of correlation rules are resolved once every file is loaded (load_rules): the
        # rules a correlation names are often in files of their own.
        # Filters are applied once every file is loaded (load_rules): they name rules of other files.
        parsed = read_rule_file(text)  # each document alone: a bad one costs itself, named
    except (UnicodeDecodeError, SigmaError, ValueError, yaml.YAMLError) as exc:
        return {"rules": [], "problems": [{"rule": None, "message": f"not a Sigma rule file: {exc}"}]}
    except Exception as exc:  # pySigma on arbitrary files fails in many ways; only this file is lost
        return {
            "rules": [],
            "problems": [{"rule": None, "message": f"not a Sigma rule file ({type(exc).__name__}: {exc})"}],
        }
    collection = parsed.collection
    problems += parsed.problems
    has_correlation = False
    if not collection.rules and not collection.errors and not collection.filters and not problems:
        problems.append({"rule": None, "message": "no Sigma rule in this file (empty?)"})
    for position, item in enumerate(collection.rules):
        ident = str(getattr(item, "id", None) or getattr(item, "title", "") or "") or None
        if item.errors:
            message = "; ".join(str(e) for e in item.errors)
            problems.append({"rule": ident, "message": parsed.named(item, message)})
            continue
        if isinstance(item, SigmaCorrelationRule):
            has_correlation = True
            correlations.append((path, item))
            continue
        try:
            compiled = compile_rule(item, path)
            compiled.position = position
        except (SigmaError, Unsupported) as exc:
            problems.append({"rule": ident, "message": parsed.named(item, f"cannot compile: {exc}")})
            continue
        except Exception as exc:  # a rule the library chokes on costs that rule only
            message = f"cannot compile ({type(exc).__name__}: {exc})"
            problems.append({"rule": ident, "message": parsed.named(item, message)})
            continue
        if not compiled.routes and compiled.skipped_routes:
            message = "cannot compile: " + "; ".join(compiled.skipped_routes)
            problems.append({"rule": ident, "message": parsed.named(item, message)})
            continue
        rules.append(compiled.to_dict())  # a rule without routes is counted as "no events source"
        problems += [
            {"rule": ident, "message": parsed.named(item, warning), "kind": "warning"}
            for warning in _single_value_all(item)
        ]
        problems += [  # common with SigmaHQ's rules (OriginalFileName): listed after the others
            {"rule": ident, "message": parsed.named(item, note), "kind": "absent"}
            for note in _absent_fields(compiled)
        ]
    for meta in collection.filters:
        if meta.errors:
            ident = str(meta.id or meta.title or "") or None
            message = "; ".join(str(e) for e in meta.errors)
            problems.append({"rule": ident, "message": parsed.named(meta, message)})
    has_filter = any(not meta.errors for meta in collection.filters)
    return {"rules": rules, "problems": problems, "correlations": has_correlation, "filters": has_filter}
