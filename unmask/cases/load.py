"""Load a case: YAML or JSON in the case format, a STIX 2.1 bundle, or a MISP event (JSON export).

Problems are reported with where they are: ``case.yml:14: observations[3]:
unknown field 'techniqe'; did you mean 'technique'?``.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import math
import re
from pathlib import Path
from typing import Any

import yaml

from unmask import safe_json
from unmask.cases.directory import CASE_FILE, date_problem, load_case_dir
from unmask.cases.schema import CASE_SCHEMA, OPTIONAL_FIELDS, SHORTHAND
from unmask.errors import CaseError, Location
from unmask.ingest.base import from_utf16
from unmask.ingest.fields import whole_day
from unmask.model import Case, Observation, ObservationKind, Provenance, Tlp
from unmask.safe_json import MAX_DIGITS as _MAX_DIGITS
from unmask.safe_yaml import PARSERS, NoDuplicateKeys, first_alias

__all__ = ["load_case", "parse_case"]

_MAX_CASE_BYTES = 64 * 1024 * 1024
_TOP = {k: v for k, v in CASE_SCHEMA.items() if k != "properties"} | {
    "properties": {k: v for k, v in CASE_SCHEMA["properties"].items() if k != "observations"}
    | {"observations": {"type": "array"}}
}
_ITEM_LONG, _ITEM_SHORT = CASE_SCHEMA["properties"]["observations"]["items"]["oneOf"]
_SCHEMAS = {"top": _TOP, "long": _ITEM_LONG, "short": _ITEM_SHORT}


@functools.cache
def _validator(form: str) -> Any:
    """The JSON Schema validator of a part of a case (top, long or short observation).

    jsonschema is imported here, when a case is read: importing it costs most of a second (its
    IRI format checker builds a grammar), which no other command should pay.
    """
    import jsonschema

    return jsonschema.Draft202012Validator(_SCHEMAS[form])


def _yaml_terms(message: str) -> str:
    """A schema message in the words of the file the analyst wrote: ``None is not of type
    'string'`` is ``null is not of type 'string'``."""
    return re.sub(
        r"^(None|True|False)\b", lambda m: {"None": "null", "True": "true", "False": "false"}[m[1]], message
    )


class _Loader(NoDuplicateKeys, yaml.SafeLoader):
    """Safe YAML that keeps what an analyst wrote.

    Dates and times stay text (``first_seen: 2022-05-20``); numbers remember how they were
    written, so that a hash of digits (``md5: 0123...``), an address (``ip: 0777``) or a
    fingerprint (``12:34:56``, sexagesimal in YAML 1.1) is evidence as written, not a number;
    only ``true`` and ``false`` are booleans (``victim_country: NO`` is Norway); JSON's
    exponent floats (``5e-1``) are numbers; a key given twice is an error, not a silent overwrite.
    """


class WrittenInt(int):
    """A number of a case file that remembers the text it was written as."""

    written: str


class WrittenFloat(float):
    """A number of a case file that remembers the text it was written as."""

    written: str


def _as_written(loader: _Loader, node: yaml.Node) -> str:
    return str(node.value)


def _int_as_written(loader: _Loader, node: yaml.ScalarNode) -> WrittenInt | WrittenFloat:
    if len(str(node.value)) > _MAX_DIGITS:
        # Too long to convert (Python refuses more than 4,300 digits): out of range, as infinity
        # is, and reported where it is by the checks of the field it is in.
        too_long = WrittenFloat("inf")
        too_long.written = f"a number of {len(str(node.value)):,} digits"
        return too_long
    number = WrittenInt(loader.construct_yaml_int(node))
    number.written = str(node.value)
    return number


def _float_as_written(loader: _Loader, node: yaml.ScalarNode) -> WrittenFloat:
    text = str(node.value)
    try:
        number = WrittenFloat(loader.construct_yaml_float(node))
    except ValueError:  # a JSON exponent form the YAML 1.1 constructor does not take
        number = WrittenFloat(text)
    number.written = text
    return number


def _bool_or_text(loader: _Loader, node: yaml.ScalarNode) -> bool | str:
    text = str(node.value)
    return text.lower() == "true" if text.lower() in ("true", "false") else text


# The case loader on each of safe_yaml.PARSERS (libyaml's first: a case of 50,000 observations
# loads in 3 s instead of 11), with the same constructors.
_LOADERS: list[type[Any]] = [
    _Loader if parser is yaml.SafeLoader else type("_FastLoader", (NoDuplicateKeys, parser), {})
    for parser in PARSERS
]
for _loader in _LOADERS:
    _loader.add_constructor("tag:yaml.org,2002:timestamp", _as_written)
    _loader.add_constructor("tag:yaml.org,2002:int", _int_as_written)
    _loader.add_constructor("tag:yaml.org,2002:float", _float_as_written)
    _loader.add_constructor("tag:yaml.org,2002:bool", _bool_or_text)
    _loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?[eE][-+]?[0-9]+$"),
        list("-0123456789"),
    )


def _load_yaml(text: str) -> Any:
    """The document, by the first loader that can read it; the last one's error if none can."""
    document = None
    for loader in _LOADERS[:-1]:
        try:
            document = yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader
            break
        except yaml.YAMLError:
            continue
    else:
        document = yaml.load(text, Loader=_LOADERS[-1])  # noqa: S506 - a SafeLoader
    return safe_json.mend(document) if safe_json.may_hold_surrogates(text) else document


def _text(value: Any) -> str:
    """A value of the file as the text written; lone surrogates (from JSON escapes) replaced."""
    return safe_json.mend_text(getattr(value, "written", None) or str(value))


def _line_map(text: str) -> dict[tuple[str | int, ...], int]:
    """Map each path in a YAML/JSON document to its 1-based line number."""
    root = None
    for parser in PARSERS:  # whichever read the document
        try:
            root = yaml.compose(text, Loader=parser)
            break
        except (yaml.YAMLError, RecursionError):
            continue
    lines: dict[tuple[str | int, ...], int] = {}

    def walk(node: yaml.Node, path: tuple[str | int, ...]) -> None:
        # A mapping entry is where its key is (a block value starts on the next line).
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                lines[(*path, str(key.value))] = key.start_mark.line + 1
                walk(value, (*path, str(key.value)))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*path, index))

    if root is not None:
        walk(root, ())
    return lines


def _path_text(path: tuple[str | int, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class _Reporter:
    """Errors of one case file, each placed at its line (the lines are mapped at the first error:
    a good file of 50,000 observations does not pay for it)."""

    def __init__(self, origin: str, text: str) -> None:
        self.origin = origin
        self.text = text
        self._lines: dict[tuple[str | int, ...], int] | None = None

    def error(self, path: tuple[str | int, ...], message: str) -> CaseError:
        if self._lines is None:
            self._lines = _line_map(self.text)
        line = None
        for cut in range(len(path), -1, -1):
            if path[:cut] in self._lines:
                line = self._lines[path[:cut]]
                break
        where = f"{_path_text(path)}: " if path else ""
        return CaseError(f"{where}{message}", Location(self.origin, line))


def _observation(raw: Any, index: int, report: _Reporter, default_source: str) -> Observation:
    path: tuple[str | int, ...] = ("observations", index)
    if not isinstance(raw, dict):
        raise report.error(path, f"an observation is a mapping such as 'technique: T1190', not {raw!r}")
    if "kind" in raw:
        form = "long"
    else:
        unknown = [k for k in raw if k not in SHORTHAND and k not in OPTIONAL_FIELDS]
        for key in unknown:
            close = difflib.get_close_matches(str(key), [*SHORTHAND, *OPTIONAL_FIELDS, "kind"], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(SHORTHAND)}"
            raise report.error((*path, str(key)), f"unknown field {key!r}{hint}")
        named = [k for k in raw if k in SHORTHAND]
        if len(named) != 1:
            what = "none (such as 'technique: T1190')" if not named else f"{len(named)} ({', '.join(named)})"
            raise report.error(path, f"an observation names exactly one thing; this one names {what}")
        form = "short"
    errors = sorted(_validator(form).iter_errors(raw), key=lambda e: list(e.path))
    if errors:
        raise report.error((*path, *errors[0].path), _yaml_terms(errors[0].message))
    if "confidence" in raw and not math.isfinite(float(raw["confidence"])):
        raise report.error((*path, "confidence"), f"{_text(raw['confidence'])} is not a number from 0 to 1")
    if "kind" in raw:
        kind, subtype, value = ObservationKind(raw["kind"]), raw.get("subtype"), raw["value"]
        allowed = sorted({sub for k, sub in SHORTHAND.values() if k is kind and sub})
        if subtype is not None and subtype not in allowed:
            known = f"one of {', '.join(allowed)}" if allowed else "none"
            raise report.error((*path, "subtype"), f"{subtype!r} is not a subtype of {kind.value} ({known})")
    else:
        key = next(k for k in raw if k in SHORTHAND)
        (kind, subtype), value = SHORTHAND[key], raw[key]
    text = _text(value).strip()
    if not text:
        raise report.error(path, "empty value")
    first_seen = None if raw.get("first_seen") is None else _text(raw["first_seen"])
    last_seen = None if raw.get("last_seen") is None else _text(raw["last_seen"])
    problem = date_problem(kind, text, first_seen, last_seen)
    if problem is not None:
        field, message = problem
        raise report.error(path if field is None else (*path, field), message)
    return Observation(
        kind=kind,
        value=text,
        subtype=subtype,
        # As written, but a month or a year as the day it stands for ("2022-07" first seen is 2022-07-01).
        first_seen=None if raw.get("first_seen") is None else whole_day(_text(raw["first_seen"])),
        last_seen=None if raw.get("last_seen") is None else whole_day(_text(raw["last_seen"]), last=True),
        phase=None if raw.get("phase") is None else _text(raw["phase"]),
        host=None if raw.get("host") is None else _text(raw["host"]),
        confidence=float(raw.get("confidence", 1.0)),
        provenance=Provenance(
            source=_text(raw.get("source") or default_source), record=f"observations[{index}]"
        ),
    )


def _check_top_keys(document: dict[Any, Any], report: _Reporter) -> None:
    """Unknown top-level fields, with what was probably meant (``techniques: [...]`` is common)."""
    fields = list(CASE_SCHEMA["properties"])
    for key in document:
        if key in fields:
            continue
        name = str(key)
        singular = name[:-1] if name.endswith("s") else name
        if name in SHORTHAND or singular in SHORTHAND:
            raise report.error(
                (name,),
                f"not a case field: observations go one per entry in the 'observations' list, "
                f"e.g. 'observations: [{{{singular}: ...}}]' (see docs/case-format.md)",
            )
        close = difflib.get_close_matches(name, fields, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(fields)}"
        raise report.error((name,), f"unknown field {name!r}{hint}")


def _strict_json(text: str, origin: str) -> None:
    """Raise where a ``.json`` file is not valid JSON."""
    try:
        safe_json.loads(text, strict=True)
    except json.JSONDecodeError as bad:
        raise CaseError(f"not valid JSON: {bad}", Location(origin, bad.lineno)) from None
    except ValueError as bad:  # NaN, Infinity
        raise CaseError(f"not valid JSON: {bad}", Location(origin)) from None
    except RecursionError:
        pass  # the YAML reader reports what nests too deeply


def _syntax_error(exc: yaml.YAMLError, text: str, origin: str) -> CaseError:
    """Where and why a case does not parse; a JSON document is told in JSON's terms (its line)."""
    as_json = origin.lower().endswith(".json") or not origin.lower().endswith((".yml", ".yaml"))
    if as_json and text.lstrip().startswith(("{", "[")):
        try:
            json.loads(text)
        except json.JSONDecodeError as bad:
            return CaseError(f"not valid JSON: {bad}", Location(origin, bad.lineno))
        except RecursionError:
            pass
    mark = getattr(exc, "problem_mark", None)
    parts = [getattr(exc, "context", None), getattr(exc, "problem", None)]
    problem = ", ".join(str(p) for p in parts if p) or str(exc).splitlines()[0]
    return CaseError(f"not valid YAML or JSON: {problem}", Location(origin, mark.line + 1 if mark else None))


def parse_case(data: bytes | str, origin: str = "<case>", default_id: str = "case") -> Case:
    """Parse a case (YAML, JSON, a STIX 2.1 bundle or a MISP event export; bytes or text) into a :class:`Case`."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if not isinstance(data, bytes | bytearray):
        raise TypeError(f"parse_case reads bytes or text, not {type(data).__name__}")
    data = from_utf16(bytes(data)) or data  # PowerShell's "> case.yml"
    try:
        text = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CaseError(f"not UTF-8 text (byte {exc.start})", Location(origin)) from None
    if origin.lower().endswith(".json"):
        # A file that says it is JSON is read as JSON: YAML would accept a trailing comma or a
        # comment that a partner's JSON tools then refuse.
        _strict_json(text, origin)
    alias = first_alias(text)
    if alias is not None:
        raise CaseError(
            f"not valid YAML or JSON: aliases (*{alias.anchor}) are not allowed in a case file",
            Location(origin, alias.start_mark.line + 1 if alias.start_mark else None),
        )
    try:
        document = _load_yaml(text)
    except RecursionError:
        raise CaseError("not a usable case: nested too deeply to read", Location(origin)) from None
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, text, origin) from None
    if isinstance(document, dict) and document.get("type") == "bundle":
        from unmask.extract.stix import case_from_stix

        return case_from_stix(document, origin, default_id)
    from unmask.extract.misp import case_from_misp, is_misp

    if is_misp(document):
        return case_from_misp(document, origin, default_id)
    report = _Reporter(origin, text)
    if not isinstance(document, dict):
        raise report.error((), "a case is a mapping with an 'observations' list (see docs/case-format.md)")
    _check_top_keys(document, report)
    if isinstance(document.get("tlp"), str):  # "TLP:AMBER", "white": as people write the labels
        try:
            document["tlp"] = Tlp.parse(document["tlp"]).value
        except CaseError as exc:
            raise report.error(("tlp",), exc.message) from None
    for error in sorted(_validator("top").iter_errors(document), key=lambda e: list(e.path)):
        raise report.error(tuple(error.path), _yaml_terms(error.message))
    observations = [
        _observation(raw, index, report, origin) for index, raw in enumerate(document["observations"])
    ]
    if not observations:
        raise report.error(("observations",), "the case has no observations: nothing to attribute")
    sha = hashlib.sha256(data).hexdigest()
    return Case(
        id=_text(document.get("id") or default_id),
        title=_text(document.get("title") or document.get("id") or default_id),
        tlp=Tlp(document.get("tlp", Tlp.AMBER.value)),
        evidence={origin: sha},
        observations=observations,
        notes=[_text(note) for note in document.get("notes", [])],
    )


def load_case(path: Path | str) -> Case:
    """Load a case file (YAML, JSON or STIX 2.1 bundle) or a case directory written by a hunt."""
    path = Path(path)
    try:
        if path.is_dir():
            return load_case_dir(path)
        size = path.stat().st_size
        if size > _MAX_CASE_BYTES:
            raise CaseError(f"case file is {size // 2**20} MiB; the limit is 64 MiB", Location(path))
        data = path.read_bytes()
    except FileNotFoundError:
        raise CaseError("file not found", Location(path)) from None
    except OSError as exc:
        raise CaseError(f"cannot read: {exc.strerror}", Location(path)) from None
    try:
        return parse_case(data, str(path), default_id=path.stem)
    except CaseError:
        if path.name != CASE_FILE:
            raise
        try:  # the case.json of a case directory (a hunt's, extract --case's): the directory's case
            return load_case_dir(path.parent)
        except CaseError:
            pass
        raise
