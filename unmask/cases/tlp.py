"""What partners' intelligence says about how it may be shared, and what it withdraws.

A STIX bundle marks objects with TLP 1.0 or 2.0 marking definitions: the standard ones (by id),
or its own (``definition_type: tlp`` with ``definition: {tlp: red}``, or the TLP 2.0 extension
``tlp_2_0: red``), on the object or in its granular markings.  A MISP event carries ``tlp:`` tags
on the event or on its attributes.  The most restrictive label of any of them is the source's.

A STIX object marked ``revoked``, an indicator of benign activity, and a MISP attribute or object
marked deleted are withdrawn: neither evidence nor an indicator to match.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from unmask.errors import CaseError
from unmask.model import TLP_MARKINGS, Tlp

__all__ = [
    "bundle_tlp",
    "mappings",
    "misp_deleted",
    "misp_tlp",
    "stix_withdrawn",
    "strictest",
    "tag_tlp",
    "tags_of",
]


def strictest(labels: Iterable[Tlp | None]) -> Tlp | None:
    """The most restrictive of the labels given (``None`` if none is)."""
    found = [label for label in labels if label is not None]
    return max(found, key=lambda label: label.rank) if found else None


def _own_definition(obj: dict[str, Any]) -> Tlp | None:
    """The label a bundle's own marking definition gives (TLP 1.0 form or TLP 2.0 extension)."""
    texts: list[Any] = []
    definition = obj.get("definition")
    if str(obj.get("definition_type", "")).lower() == "tlp" and isinstance(definition, dict):
        texts += [v for k, v in definition.items() if str(k).lower() == "tlp"]  # OpenCTI writes "TLP"
    extensions = obj.get("extensions")
    for extension in extensions.values() if isinstance(extensions, dict) else []:
        if isinstance(extension, dict) and "tlp_2_0" in extension:
            texts.append(extension["tlp_2_0"])
    labels = []
    for text in texts:
        try:
            labels.append(Tlp.parse(str(text)))
        except CaseError:
            continue
    return strictest(labels)


def bundle_tlp(objects: list[Any]) -> Tlp | None:
    """The most restrictive TLP label that marks any object of a bundle (``None`` if none does)."""
    # Ids compared as written loosely: a red marking lost to a space or a capital is a leak.
    known = {_id(k): v for k, v in TLP_MARKINGS.items()}
    for obj in objects:
        if (
            isinstance(obj, dict)
            and obj.get("type") == "marking-definition"
            and isinstance(obj.get("id"), str)
        ):
            own = _own_definition(obj)
            if own is not None:
                known.setdefault(_id(obj["id"]), own)
    labels: list[Tlp | None] = []
    for obj in objects:
        if not isinstance(obj, dict):
            continue
        labels += [known.get(_id(ref)) for ref in _listed(obj.get("object_marking_refs"))]
        for marking in _listed(obj.get("granular_markings")):
            if isinstance(marking, dict):
                labels.append(known.get(_id(marking.get("marking_ref"))))
    return strictest(labels)


def _id(ref: Any) -> str:
    return str(ref).strip().lower()


def _listed(value: Any) -> list[Any]:
    """A list as written, or one value written on its own (an id, a marking, a mapping's values)."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict) and "marking_ref" not in value:
        return list(value.values())
    return [] if value is None else [value]


def tag_tlp(tags: Iterable[Any]) -> tuple[Tlp | None, list[str]]:
    """The most restrictive ``tlp:`` tag of MISP tags (dicts with ``name``, or text), and the
    unknown ``tlp:`` tags."""
    labels, unknown = [], []
    for tag in tags:
        name = (str(tag.get("name") or "") if isinstance(tag, dict) else str(tag)).strip()
        if name.lower().startswith("tlp:"):
            try:
                labels.append(Tlp.parse(name))
            except CaseError:
                unknown.append(name)
    return strictest(labels), unknown


def _true(value: Any) -> bool:
    return value is True or str(value).strip().lower() in ("true", "1")


def stix_withdrawn(obj: dict[str, Any]) -> str | None:
    """Why a STIX object is not to be used (revoked, or an indicator of benign activity), if so."""
    if _true(obj.get("revoked")):
        return f"revoked {obj.get('type') or 'untyped'}"
    benign = any(str(t).strip().lower() == "benign" for t in _listed(obj.get("indicator_types")))
    return "indicator of benign activity" if obj.get("type") == "indicator" and benign else None


def misp_deleted(item: dict[str, Any]) -> bool:
    """Whether a MISP attribute or object is marked deleted."""
    return _true(item.get("deleted", False))


def mappings(value: Any) -> list[dict[str, Any]]:
    """The mappings of a list field (a hostile export can put anything there)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def tags_of(value: Any) -> list[Any]:
    """A MISP ``Tag`` field's tags: a list of mappings or names, or one tag written on its own
    (``"Tag": "tlp:red"``), which a broken export does; a red marking must not be lost to it."""
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, dict | str)]


def misp_tlp(data: Any) -> Tlp | None:
    """The most restrictive ``tlp:`` tag of a MISP export (its events and their attributes,
    deleted ones aside), or ``None`` when nothing is tagged."""
    events = data.get("response", [data]) if isinstance(data, dict) else data
    labels: list[Tlp | None] = []
    for item in mappings(events):
        event = item.get("Event", item)
        if not isinstance(event, dict):
            continue
        labels.append(tag_tlp(tags_of(event.get("Tag")))[0])
        attributes = mappings(event.get("Attribute"))
        for obj in mappings(event.get("Object")):
            if not misp_deleted(obj):
                attributes += mappings(obj.get("Attribute"))
        labels += [tag_tlp(tags_of(a.get("Tag")))[0] for a in attributes if not misp_deleted(a)]
    return strictest(labels)
