"""Your own intelligence in the KB: indicators that a report or MISP event ties to a known actor.

ATT&CK describes how groups operate, not their infrastructure; a CERT's own MISP
events and STIX reports do.  ``unmask kb intel FILE...`` reads each file (a STIX
2.1 bundle or a MISP event export), finds the one actor it is about (the bundle's
intrusion set or threat actor, the event's threat-actor galaxy tag, or
``--actor``), keeps its infrastructure and file indicators (addresses, domains,
URLs, e-mail addresses, ASNs, hashes) less the values a MISP warninglist calls
benign, and adds them to the installed KB as that actor's, with the SHA-256 of
the content as provenance.  A MISP export of several events gives one entry per
event, each with its own actor.  The attribution engine then weighs a case's indicators
against them (``attribute/signals/indicator.py``): cheap to fake, so never
decisive alone, but shared infrastructure is what ties many incidents together.

The entries are also kept in the sources directory (``intel/<sha256>.json``), so
that ``unmask kb install`` re-applies them to a rebuilt KB.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unmask import safe_json
from unmask.errors import IngestError, Location, OutputError, UnknownNameError, UnmaskError
from unmask.knowledge.home import atomic_write, sources_dir
from unmask.knowledge.store import KnowledgeBase, intel_summary, load_kb, save_kb_document
from unmask.knowledge.warninglists import BenignIndex
from unmask.model import ObservationKind

__all__ = [
    "IntelEntry",
    "IntelResult",
    "add_intel",
    "attach_intel",
    "has_saved_intel",
    "read_intel",
    "remove_intel",
    "save_intel",
    "saved_intel",
]

INDICATOR_SIGNALS = {ObservationKind.INFRASTRUCTURE: "infrastructure", ObservationKind.FILE: "file"}


@dataclass(frozen=True)
class IntelEntry:
    """One intelligence file's indicators, tied to one actor of the KB."""

    origin: str
    sha256: str
    actor: str  # the actor's id in the KB
    actor_name: str  # as the file (or --actor) named it: what a rebuilt KB resolves again
    indicators: tuple[tuple[str, str], ...]  # (signal, value): infrastructure or file
    benign_skipped: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "sha256": self.sha256,
            "actor": self.actor,
            "actor_name": self.actor_name,
            "indicators": [list(pair) for pair in self.indicators],
            "benign_skipped": self.benign_skipped,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IntelEntry:
        return cls(
            str(data["origin"]),
            str(data["sha256"]),
            str(data["actor"]),
            str(data.get("actor_name") or data["actor"]),
            tuple((str(signal), str(value)) for signal, value in data["indicators"]),
            int(data.get("benign_skipped", 0)),
        )


def read_intel(
    path: Path,
    kb: KnowledgeBase,
    actor: str | None = None,
    benign: BenignIndex | None = None,
    failed: list[str] | None = None,
) -> list[IntelEntry]:
    """Read one STIX bundle or MISP export and tie its indicators to its actor (or to ``actor``).

    A MISP export of several events (``{"response": [...]}``) gives one entry per event, each
    tied to its own actor; an event that cannot be used is added to ``failed`` (without
    ``failed``, it raises).  A STIX bundle about several actors gives one entry per actor its
    ``indicates`` relationships point to; indicators of actors the KB does not know go to nobody.
    """
    where = Location(str(path))
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise IngestError("file not found", where) from None
    except OSError as exc:
        raise IngestError(f"cannot read: {exc.strerror}", where) from None
    try:
        data = safe_json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        if path.suffix.lower() != ".json" and not raw.lstrip().startswith((b"{", b"[")):
            return [_listed(path, kb, actor, benign, failed)]  # a plain list or CSV
        if isinstance(exc, json.JSONDecodeError):
            raise IngestError(
                f"malformed JSON at line {exc.lineno}: {exc.msg}", Location(str(path), exc.lineno)
            ) from None
        why = "nested too deeply to read" if isinstance(exc, RecursionError) else "not UTF-8 text"
        raise IngestError(f"not JSON ({why})", where) from None
    from unmask.detect.indicators import is_value_list

    if is_value_list(data) or not isinstance(data, dict | list):
        # A list of values (["203.0.113.5", ...]), or a one-line list that is JSON too ("evil.example").
        return [_listed(path, kb, actor, benign, failed)]
    events = data.get("response") if isinstance(data, dict) else None
    if isinstance(events, list) and len(events) > 1:
        # Event by event: one that cannot be used is reported, the others are added.
        entries: list[IntelEntry] = []
        for number, event in enumerate(events, 1):
            try:
                entries.append(_entry({"response": [event]}, f"{path} event {number}", kb, actor, benign))
            except UnmaskError as exc:
                if failed is None:
                    raise
                failed.append(str(exc))
        if not entries:
            raise IngestError(f"none of its {len(events)} events could be used", where)
        return entries
    if actor is None and isinstance(data, dict) and data.get("type") == "bundle":
        parts, unknown = _by_indicates(data, kb)
        if parts and (len(parts) > 1 or unknown):
            # Indicators that indicate an actor the KB does not know go to nobody.
            if unknown and failed is not None:
                failed.append(
                    f"{path}: {unknown} indicator(s) indicate actors the KB does not know; not added"
                )
            return [_entry(part, str(path), kb, None, benign) for part in parts]
        if unknown and not parts:
            raise IngestError(
                "its indicators indicate only actors the KB does not know; say whose with --actor", where
            )
    return [_entry(data, str(path), kb, actor, benign, failed)]


def _by_indicates(bundle: dict[str, Any], kb: KnowledgeBase) -> tuple[list[dict[str, Any]], int]:
    """A bundle about several actors, cut into one bundle per actor by its ``indicates`` relationships.

    Each part holds the actor and the indicators that indicate it; indicators tied to no actor are
    left out.  Also how many ``indicates`` relationships point to an actor the KB does not know.
    """
    objects = [o for o in bundle.get("objects") or [] if isinstance(o, dict)]
    actors: dict[str, tuple[str, dict[str, Any]]] = {}
    strangers: set[str] = set()
    for obj in objects:
        if obj.get("type") in ("intrusion-set", "threat-actor") and isinstance(obj.get("name"), str):
            try:
                actors[str(obj.get("id"))] = (kb.actor(obj["name"]).id, obj)
            except UnknownNameError:
                strangers.add(str(obj.get("id")))
    by_id = {str(o.get("id")): o for o in objects}
    parts: dict[str, dict[str, Any]] = {}
    unknown = 0
    for rel in objects:
        if rel.get("type") != "relationship" or rel.get("relationship_type") != "indicates":
            continue
        unknown += str(rel.get("target_ref")) in strangers
        owner, indicator = actors.get(str(rel.get("target_ref"))), by_id.get(str(rel.get("source_ref")))
        if owner is None or indicator is None:
            continue
        actor_id, actor_obj = owner
        part = parts.setdefault(actor_id, {"type": "bundle", "id": bundle.get("id"), "objects": [actor_obj]})
        if indicator not in part["objects"]:
            part["objects"].append(indicator)
    return list(parts.values()), unknown


NOTE = "note: "  # a message about a file that is not a failure


def _listed(
    path: Path,
    kb: KnowledgeBase,
    actor: str | None,
    benign: BenignIndex | None,
    failed: list[str] | None,
) -> IntelEntry:
    """A list of indicators (one per line, CSV, or a JSON list of values) as ``actor``'s."""
    from unmask.detect.indicators import HASH_KINDS, indicator_key, load_indicators

    found = load_indicators(path)  # a binary file is refused here
    if actor is None:
        raise IngestError(
            "a list of indicators names no actor (a STIX bundle or MISP event can); say whose they are "
            "with --actor NAME",
            Location(str(path)),
        )
    if failed is not None:
        failed += [f"{NOTE}{problem}" for problem in found.problems]
    pairs = [
        ("file" if i.kind in HASH_KINDS else "infrastructure", indicator_key(i.kind, i.value))
        for i in found.indicators
    ]
    indicators, skipped = _kept(pairs, benign)
    if not indicators:
        said = f" ({skipped} on a MISP warninglist)" if skipped else ""
        raise IngestError(f"no infrastructure or file indicators to add{said}", Location(str(path)))
    # The SHA-256 of the list as read (its values, sorted), as a bundle's is of its content parsed.
    digest = hashlib.sha256(json.dumps(sorted(indicators)).encode()).hexdigest()
    return IntelEntry(str(path), digest, kb.actor(actor).id, actor, tuple(indicators), skipped)


def _kept(
    pairs: list[tuple[str, str]], benign: BenignIndex | None
) -> tuple[dict[tuple[str, str], None], int]:
    """The (signal, value) pairs in order, once each, less those a warninglist calls benign (counted)."""
    indicators: dict[tuple[str, str], None] = {}
    skipped = 0
    for signal, value in pairs:
        if benign is not None and benign.lists_for(value):
            skipped += 1
        else:
            indicators.setdefault((signal, value), None)
    return indicators, skipped


def _known_id(kb: KnowledgeBase, name: str) -> str | None:
    try:
        return kb.actor(name).id
    except UnknownNameError:
        return None


def _entry(
    data: Any,
    origin: str,
    kb: KnowledgeBase,
    actor: str | None,
    benign: BenignIndex | None,
    failed: list[str] | None = None,
) -> IntelEntry:
    from unmask.detect.artifacts import is_context
    from unmask.detect.indicators import indicator_key
    from unmask.extract.misp import case_from_misp, is_misp, misp_actor_names
    from unmask.extract.stix import case_from_stix, stix_actor_names

    where = Location(origin)
    if isinstance(data, dict) and data.get("type") == "bundle":
        case, names = case_from_stix(data, origin), stix_actor_names(data)
    elif isinstance(data, dict) and is_misp(data):
        case, names = case_from_misp(data, origin), misp_actor_names(data)
    else:
        raise IngestError("neither a STIX 2.1 bundle nor a MISP event", where)
    name, actor_id = _whose(kb, names, actor, where)
    if actor is not None and failed is not None:
        named = {n for n in names if _known_id(kb, n) not in (None, actor_id)}
        if named:  # --actor wins, but the analyst should know the file says otherwise
            failed.append(
                f"{NOTE}{origin} names {', '.join(sorted(named))}; its indicators were added to {name} as --actor says"
            )
    pairs: list[tuple[str, str]] = []
    context = 0
    for obs in case.observations:
        signal = INDICATOR_SIGNALS.get(obs.kind)
        if signal is None:
            continue
        if is_context(obs):  # not for detection: the program a command ran in is no one's indicator
            context += 1
            continue
        pairs.append((signal, indicator_key(obs.subtype, obs.value)))  # as a case's are compared
    indicators, skipped = _kept(pairs, benign)
    left_out = (f" ({skipped} on a MISP warninglist)" if skipped else "") + (
        f" ({context} marked not for detection)" if context else ""
    )
    if not indicators:
        raise IngestError("no infrastructure or file indicators to add" + left_out, where)
    if context and failed is not None:
        failed.append(
            f"{NOTE}{origin}: {context} value(s) marked not for detection (MISP to_ids off) not added"
        )
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    return IntelEntry(origin, digest, actor_id, name, tuple(indicators), skipped)


def _whose(kb: KnowledgeBase, names: list[str], actor: str | None, where: Location) -> tuple[str, str]:
    """(name, actor id) of the one actor the file is about."""
    if actor is not None:
        return actor, kb.actor(actor).id
    found: dict[str, str] = {}
    unknown: list[str] = []
    for name in names:
        try:
            found.setdefault(kb.actor(name).id, name)
        except UnknownNameError:
            unknown.append(name)
    if len(found) == 1:
        actor_id, name = next(iter(found.items()))
        return name, actor_id
    if not found:
        said = f" (it names {', '.join(map(repr, unknown))}, which the KB does not know)" if unknown else ""
        raise IngestError(f"names no actor the KB knows{said}; say whose it is with --actor NAME", where)
    listed = ", ".join(f"{kb.actor(i).name} ({n!r})" for i, n in found.items())
    raise IngestError(
        f"names {len(found)} actors: {listed}; say whose indicators these are with --actor NAME", where
    )


def attach_intel(document: dict[str, Any], entries: list[IntelEntry]) -> dict[str, Any]:
    """The KB document with the entries added (an entry of the same file and actor is replaced)."""
    keep = {(e.sha256, e.actor) for e in entries}
    current = [e for e in document.get("intel", []) if (e["sha256"], e["actor"]) not in keep]
    return {**document, "intel": current + [e.to_dict() for e in entries]}


def _intel_dir() -> Path:
    return sources_dir() / "intel"


def _kept_path(sha256: str, actor: str) -> Path:
    return _intel_dir() / f"{sha256}-{actor}.json"


def save_intel(entries: list[IntelEntry]) -> None:
    """Keep the entries with the sources, for ``unmask kb install`` to re-apply (atomic writes)."""
    folder = _intel_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot keep intelligence here: {exc.strerror}", Location(folder)) from None
    for entry in entries:
        atomic_write(_kept_path(entry.sha256, entry.actor), json.dumps(entry.to_dict(), indent=1).encode())


def has_saved_intel() -> bool:
    """Whether any entry is kept for ``unmask kb install`` to re-apply."""
    folder = _intel_dir()
    return folder.is_dir() and any(folder.glob("*.json"))


def saved_intel(kb: KnowledgeBase) -> tuple[list[IntelEntry], list[str]]:
    """The kept entries, their actors resolved again in ``kb``; and a note for each that no longer resolves."""
    entries: list[IntelEntry] = []
    notes: list[str] = []
    folder = _intel_dir()
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            entry = IntelEntry.from_dict(json.loads(path.read_text(encoding="utf-8")))
            actor_id = _same_actor(kb, entry)
        except UnknownNameError as exc:
            notes.append(f"{path.name}: intelligence not re-applied: {exc}")
            continue
        except (OSError, ValueError, KeyError, TypeError) as exc:
            notes.append(f"{path.name}: unreadable intelligence entry ({exc.__class__.__name__}); skipped")
            continue
        entries.append(
            IntelEntry(
                entry.origin, entry.sha256, actor_id, entry.actor_name, entry.indicators, entry.benign_skipped
            )
        )
    return entries, notes


def _same_actor(kb: KnowledgeBase, entry: IntelEntry) -> str:
    """The entry's actor in ``kb``: by its id if the KB still has it, else by the name it was given."""
    try:
        return kb.actor(entry.actor).id
    except UnknownNameError:
        return kb.actor(entry.actor_name).id


@dataclass
class IntelResult:
    """What ``add_intel`` did: the entries added, a message per file that failed, the updated KB."""

    added: list[IntelEntry]
    failed: list[str] = field(default_factory=list)
    kb: KnowledgeBase | None = None
    notes: list[str] = field(default_factory=list)  # said, not failures (--actor over a file's own actor)


def add_intel(
    paths: list[Path],
    actor: str | None = None,
    benign: BenignIndex | None = None,
    kb_file: Path | None = None,
) -> IntelResult:
    """Add each file's indicators to the installed KB (a file that fails is reported, the rest added)."""
    kb = load_kb(kb_file)
    added: list[IntelEntry] = []
    failed: list[str] = []
    held = {(e["sha256"], e["actor"]) for e in kb.document.get("intel", [])}
    for path in paths:
        try:
            for entry in read_intel(path, kb, actor, benign, failed):
                if (entry.sha256, entry.actor) in held:  # the same file for the same actor: once
                    # A feed imported again is no failure: said, and nothing to do.
                    failed.append(
                        f"{NOTE}{path}: already in the knowledge base for {kb.actors[entry.actor].name}"
                        f" ({entry.sha256[:12]}); not added again"
                        if entry.actor in kb.actors
                        else f"{NOTE}{path}: already in the knowledge base ({entry.sha256[:12]}); not added again"
                    )
                    continue
                held.add((entry.sha256, entry.actor))
                added.append(entry)
        except UnmaskError as exc:
            failed.append(str(exc) if exc.location else f"{path}: {exc}")
    notes = [m.removeprefix(NOTE) for m in failed if m.startswith(NOTE)]
    failed = [m for m in failed if not m.startswith(NOTE)]
    if added:
        target = kb.path or kb_file
        save_intel(added)  # first the copies a reinstall re-applies, then the KB
        save_kb_document(attach_intel(kb.document, added), target)
        kb = load_kb(target)
    return IntelResult(added, failed, kb, notes)


def remove_intel(prefix: str, kb_file: Path | None = None, actor: str | None = None) -> list[dict[str, Any]]:
    """Remove the entries whose SHA-256 starts with ``prefix`` from the KB and the sources; of a
    file added for several actors, ``actor``'s (an id or a name; required then).

    Returns what was removed, as ``KnowledgeBase.summary()`` lists intelligence.
    """
    if len(prefix) < 6:
        raise UnmaskError(
            f"give at least 6 characters of the entry's SHA-256 (got {prefix!r}); see kb intel --list"
        )
    kb = load_kb(kb_file)
    entries = kb.document.get("intel", [])
    gone = [e for e in entries if e["sha256"].startswith(prefix.lower())]
    if not gone:
        raise UnmaskError(f"no intelligence entry's SHA-256 starts with {prefix!r}; see kb intel --list")
    if len({e["sha256"] for e in gone}) > 1:
        listed = ", ".join(sorted({e["sha256"][:16] for e in gone}))
        raise UnmaskError(f"{prefix!r} starts the SHA-256 of several files ({listed}); give more of it")
    if actor is not None:
        wanted = kb.actor(actor).id
        gone = [e for e in gone if e["actor"] == wanted]
        if not gone:
            raise UnmaskError(f"that file was not added for {actor!r}; see kb intel --list")
    elif len({e["actor"] for e in gone}) > 1:
        names = ", ".join(sorted(str(e.get("actor_name") or e["actor"]) for e in gone))
        raise UnmaskError(
            f"that file was added for several actors ({names}): say whose to remove with --actor"
        )
    kept = [e for e in entries if e not in gone]
    save_kb_document({**kb.document, "intel": kept}, kb.path or kb_file)
    for entry in gone:
        _kept_path(entry["sha256"], entry["actor"]).unlink(missing_ok=True)
    return [intel_summary(e) for e in gone]
