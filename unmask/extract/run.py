"""``extract``: reports, STIX bundles and MISP events in; one case out.

Each input is recognised by its content: a JSON STIX bundle, a JSON MISP event, else a
report (text, Markdown, HTML, PDF) read by :class:`~unmask.extract.text.TextExtractor`.
The observations of all inputs go into one case; an existing case directory can be added to
(a hunt's case and the partner's report side by side).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unmask import safe_json
from unmask.cases.tlp import bundle_tlp, misp_tlp
from unmask.detect.indicators import indicator_key
from unmask.errors import CaseError, IngestError, UnmaskError
from unmask.extract.documents import MAX_TEXT_CHARS
from unmask.extract.misp import case_from_misp, is_misp, misp_actor_names
from unmask.extract.stix import case_from_stix, stix_actor_names
from unmask.extract.text import Extraction, TextExtractor
from unmask.ingest.base import from_utf16
from unmask.knowledge.store import KnowledgeBase
from unmask.model import Case, Observation, ObservationKind, Tlp

__all__ = ["ExtractResult", "actors_shown", "collapsed", "extract_inputs"]


@dataclass
class ExtractResult:
    case: Case
    actors: list[dict[str, Any]] = field(default_factory=list)
    suppressed: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "case": self.case.to_dict(),
            "actors_named": self.actors,
            "suppressed": self.suppressed,
            "problems": self.problems,
            "failed": self.failed,
        }


def _json(path: Path) -> Any:
    """The parsed JSON of a file that starts like JSON (UTF-8, or UTF-16 with its BOM), else ``None``."""
    raw = path.read_bytes()  # only files named .json, .stix or without a suffix come here
    text = (from_utf16(raw) or raw).decode("utf-8-sig", errors="replace")
    if text.lstrip()[:1] not in ("{", "["):
        return None
    try:
        return safe_json.loads(text)
    except json.JSONDecodeError as exc:
        raise IngestError(f"malformed JSON at line {exc.lineno}: {exc.msg}") from None
    except RecursionError:
        raise IngestError("JSON nested too deeply to read") from None


def _titled(data: dict[str, Any], stix: bool) -> str | None:
    """A STIX bundle's first report's name, or a MISP event's info (of a search's export,
    ``{"response": [{"Event": ...}, ...]}``, the first event's that has one, as
    :func:`~unmask.extract.misp.case_from_misp` reads it): the title its author gave."""
    if stix:
        objects = data.get("objects")
        found = (
            next(
                (o.get("name") for o in objects if isinstance(o, dict) and o.get("type") == "report"),
                None,
            )
            if isinstance(objects, list)
            else None
        )
    else:
        events = data.get("response", [data])
        found = next(
            (
                info
                for item in (events if isinstance(events, list) else [])
                if isinstance(item, dict)
                and isinstance(event := item.get("Event", item), dict)
                and isinstance(info := event.get("info"), str)
                and info.strip()
            ),
            None,
        )
    return found.strip()[:200] if isinstance(found, str) and found.strip() else None


def extract_inputs(
    paths: list[Path],
    kb: KnowledgeBase,
    case: Case | None = None,
    benign: Any = None,
    tlp: Tlp | None = None,
    max_chars: int = MAX_TEXT_CHARS,
    progress: Callable[[str, int, int], None] | None = None,
) -> ExtractResult:
    """Observations of every input, added to ``case`` (or a new one). A bad input is reported, not fatal.

    The case's TLP label is the most restrictive of its own, ``tlp`` and every input's (a STIX
    marking, a MISP ``tlp:`` tag, a "TLP:RED" line in a report); a new case takes ``tlp`` or its
    first input's label as the starting point.
    """
    target = case or Case(
        id=paths[0].stem if paths else "case", title="Extracted: " + ", ".join(p.name for p in paths)
    )
    result = ExtractResult(target)
    extractor: TextExtractor | None = None
    labelled = False

    def label(tlp: Tlp | None) -> None:
        # A new case takes its first input's label; any case takes a more restrictive one.
        nonlocal labelled
        if tlp is not None and ((case is None and not labelled) or tlp.rank > target.tlp.rank):
            target.tlp, labelled = tlp, True

    label(tlp)
    for path in paths:
        try:
            data = _json(path) if path.is_file() and path.suffix.lower() in (".json", ".stix", "") else None
            if isinstance(data, dict) and (data.get("type") == "bundle" or is_misp(data)):
                stix = data.get("type") == "bundle"
                read = case_from_stix if stix else case_from_misp
                part = read(data, str(path), path.stem)
                # The case's notes say which of its inputs each is about ("objects[10]" of which bundle).
                part.notes = [
                    note if note.startswith(f"{path.name}:") else f"{path.name}: {note}"
                    for note in part.notes
                ]
                result.problems += part.notes  # said now too, as a report's are
                part = _without_benign(part, benign, result)
                # What the source is marked (an unmarked one does not make a case amber).
                objects = data.get("objects")
                label(bundle_tlp(objects if isinstance(objects, list) else []) if stix else misp_tlp(data))
                titled = _titled(data, stix)
                if case is None and path == paths[0] and titled:
                    target.title = titled
                _merge(target, part)
                names = stix_actor_names(data) if stix else misp_actor_names(data)
                result.actors += [_named(kb, name, str(path)) for name in dict.fromkeys(names)]
            elif data is not None:
                raise CaseError("JSON that is neither a STIX 2.1 bundle nor a MISP event")
            else:
                extractor = extractor or TextExtractor(kb, benign, max_chars=max_chars)
                extraction: Extraction = extractor.extract_file(path, progress)
                label(extraction.tlp)
                if case is None and path == paths[0] and extraction.title:
                    target.title = extraction.title  # a new case is titled by its report
                _add_new(target, extraction.observations)
                target.evidence.update(extraction.evidence)
                result.actors += [dict(a, source=str(path)) for a in extraction.actors]
                result.suppressed += [dict(s, source=str(path)) for s in extraction.suppressed]
                result.problems += collapsed(extraction.problems + extraction.notes)
                notes = collapsed(extraction.notes)  # the case keeps what was left out, and why
                if extraction.actors:
                    notes.append(
                        f"{path.name} names the actor(s) {', '.join(actors_shown(extraction.actors))}; names are"
                        " reported, never used as evidence"
                    )
                if extraction.suppressed:
                    notes.append(benign_note(path.name, [str(s["value"]) for s in extraction.suppressed]))
                target.notes += [note for note in notes if note not in target.notes]
        except UnmaskError as exc:
            where = str(exc) if exc.location is not None else f"{path}: {exc}"
            result.failed.append(where)
            # The case says what it was meant to hold and could not (its title names every input).
            note = f"{path.name}: not read ({exc.message})"
            if note not in target.notes:
                target.notes.append(note)
    return result


_OFFSET = re.compile(r": offset \d+: ")


def collapsed(notes: list[str]) -> list[str]:
    """The notes with those that say the same but for the offset (a report that repeats its text
    says the same thing once per repetition) given once, at their first offset, and counted:
    "... not taken (×12)"."""
    first: dict[str, int] = {}
    counts: list[int] = []
    kept: list[str] = []
    for note in notes:
        key = _OFFSET.sub(": offset _: ", note, count=1)
        if key in first:
            counts[first[key]] += 1
            continue
        first[key] = len(kept)
        kept.append(note)
        counts.append(1)
    return [note if count == 1 else f"{note} (×{count})" for note, count in zip(kept, counts, strict=True)]


def _without_benign(part: Case, benign: Any, result: ExtractResult) -> Case:
    """A bundle's or event's indicators less the known-benign ones, listed as a report's are."""
    if benign is None:
        return part
    kept, dropped = [], []
    for obs in part.observations:
        if obs.kind in (ObservationKind.INFRASTRUCTURE, ObservationKind.FILE) and obs.subtype != "asn":
            lists = benign.lists_for(indicator_key(obs.subtype, obs.value))
            if lists:
                source = obs.provenance.source if obs.provenance else ""
                result.suppressed.append(
                    {"value": obs.value, "kind": obs.subtype, "lists": lists[:3], "source": source}
                )
                dropped.append(obs.value)
                continue
        kept.append(obs)
    part.observations = kept
    if dropped:
        part.notes.append(benign_note(Path(next(iter(part.evidence), part.id)).name, dropped))
    return part


def _named(kb: KnowledgeBase, name: str, source: str) -> dict[str, Any]:
    """An actor a bundle or event names (reported, never evidence), as text reports list theirs."""
    found = kb.actor_candidates(name)
    if not found:
        return {"id": None, "name": name, "names": [name], "source": source}
    return {"id": found[0].id, "name": name, "actor": found[0].name, "names": [name], "source": source}


def actors_shown(actors: list[dict[str, Any]]) -> list[str]:
    """The actors named, each once, by the knowledge base's name and id and then the other names
    the inputs wrote for it: "Sandworm Team (G0034; as TeleBots, Sandworm)", sorted. A name the
    knowledge base does not know is shown as it was written."""
    known: dict[str, tuple[str, list[str]]] = {}  # id: the actor's name, the other names written
    unknown: set[str] = set()
    for entry in actors:
        if not entry.get("id"):
            unknown.add(str(entry["name"]))
            continue
        actor, other = known.setdefault(str(entry["id"]), (str(entry.get("actor") or entry["name"]), []))
        for name in entry.get("names") or [entry["name"]]:
            if name.casefold() not in {n.casefold() for n in (actor, *other)}:
                other.append(name)
    shown = [
        f"{actor} ({ident}{'; as ' + ', '.join(other) if other else ''})"
        for ident, (actor, other) in known.items()
    ]
    return sorted([*shown, *unknown])


def benign_note(source: str, values: list[str]) -> str:
    """The case's note of the values a source gave that warninglists say are benign."""
    unique = sorted(set(values))
    shown = ", ".join(unique[:5]) + (f" and {len(unique) - 5} more" if len(unique) > 5 else "")
    return f"{source}: {len(unique)} value(s) on known-benign warninglists not used as evidence ({shown})"


def _merge(target: Case, part: Case) -> None:
    _add_new(target, part.observations)
    target.evidence.update(part.evidence)
    target.notes += [note for note in part.notes if note not in target.notes]


def _add_new(target: Case, observations: list[Observation]) -> None:
    """Add what the case does not hold yet: extracting the same input again adds nothing."""

    def key(obs: Observation) -> tuple[object, ...]:
        prov = obs.provenance
        where = (prov.source, prov.sha256, prov.record, prov.offset) if prov else None
        return (obs.kind, obs.subtype, obs.value, obs.phase, obs.host, where)

    held = {key(obs) for obs in target.observations}
    for obs in observations:
        if key(obs) not in held:
            held.add(key(obs))
            target.observations.append(obs)
