"""IOC matching: indicators joined with every field of every event of a case.

``match_indicators(engine, indicators)`` asks the engine for the events whose text holds an
indicator value (a vectorised join of tokens, see
:meth:`unmask.detect.engines.duckdb.DuckDBEngine.match_values`) and returns findings (rule id
``ioc:<kind>``, the matched field in ``detail``) and one observation per matched indicator,
with the indicator's source and the first matching event as provenance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unmask.detect.findings import FindingRow
from unmask.detect.indicators import Indicator, IndicatorSet
from unmask.model import Observation, ObservationKind, Provenance

__all__ = ["IocMatches", "indicator_key", "match_indicators"]


def _title(kind: str, value: str, source: str) -> str:
    """A match's title: "Indicator ip 91.238.50.77 (partner-iocs.csv)"."""
    return f"Indicator {kind} {value} ({source})"


def indicator_key(rule_id: str, title: str) -> str:
    """What a summary counts an indicator's findings under: its rule id ("ioc:ip", shared by every
    address of the file) and its value, read back from :func:`_title` ("ioc:ip:91.238.50.77"; no
    indicator holds a space)."""
    kind = rule_id.removeprefix("ioc:")
    return f"{rule_id}:{title.removeprefix(f'Indicator {kind} ').split(' ', 1)[0]}"


IOC_LEVEL = "high"
IOC_CONFIDENCE = 0.9
_FILE_KINDS = {"md5", "sha1", "sha256", "sha512"}


@dataclass
class IocMatches:
    findings: list[FindingRow] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    matched: dict[str, int] = field(default_factory=dict)  # indicator value -> events
    events: int = 0  # distinct events matched (one event may hold several indicators)


def _observation_kind(indicator: Indicator) -> tuple[ObservationKind, str]:
    if indicator.kind in _FILE_KINDS:
        return ObservationKind.FILE, indicator.kind
    return ObservationKind.INFRASTRUCTURE, indicator.kind


def match_indicators(engine: Any, indicators: IndicatorSet) -> IocMatches:
    """Every event holding an indicator, as findings and observations."""
    result = IocMatches()
    by_value: dict[str, list[Indicator]] = {}
    for indicator in indicators.indicators:
        # Matching is case-blind (a URL keeps its path's case as evidence, not as a condition).
        by_value.setdefault(indicator.value.lower(), []).append(indicator)
    if not by_value:
        return result
    kinds = {i.kind for i in indicators.indicators}
    first: dict[str, tuple[dict[str, Any], str]] = {}
    times: dict[str, list[str]] = {}
    hosts: dict[str, set[str]] = {}
    events: set[tuple[Any, Any]] = set()  # the events matched (one event may hold several indicators)
    seen_as: dict[str, Indicator] = {}  # the spelling the first match held
    for value, pointer, fields in engine.match_values(
        list(by_value), urls="url" in kinds, emails="email" in kinds
    ):
        # The indicator as the intelligence gave it (a URL's path keeps its case): of those that
        # differ only in case, the one the event holds as written.
        indicator = next(
            (i for i in by_value[value] if any(i.value in str(text) for text in fields.values())),
            by_value[value][0],
        )
        seen_as.setdefault(value, indicator)
        detail = (
            "; ".join(f"{name}={text[:200]}" for name, text in sorted(fields.items()))
            or f"value {indicator.value}"
        )
        events.add((pointer["_file"], pointer["_record"]))
        result.findings.append(
            FindingRow(
                rule_id=f"ioc:{indicator.kind}",
                title=_title(indicator.kind, indicator.value, Path(indicator.source).name),
                level=IOC_LEVEL,
                techniques=(),
                software=(),
                time=pointer["_ts"],
                host=pointer["_host"],
                file=pointer["_file"],
                sha256=pointer["_sha256"],
                record=pointer["_record"],
                rule_path=indicator.source,
                detail=detail,
            )
        )
        result.matched[value] = result.matched.get(value, 0) + 1
        if pointer["_ts"]:
            times.setdefault(value, []).append(pointer["_ts"])
        # A match in an event without a host could be on any host: it is not the other matches' host.
        hosts.setdefault(value, set()).add(pointer["_host"] or "")
        if value not in first or (pointer["_ts"] or "~") < (first[value][0]["_ts"] or "~"):
            first[value] = (pointer, detail)
    for value, (pointer, detail) in sorted(first.items()):
        indicator = seen_as.get(value, by_value[value][0])
        kind, subtype = _observation_kind(indicator)
        sources = ", ".join(
            sorted({f"{Path(i.source).name}" + (f" ({i.ref})" if i.ref else "") for i in by_value[value]})
        )
        seen = sorted(times.get(value, []))
        host_set = hosts.get(value, set())
        result.observations.append(
            Observation(
                kind=kind,
                value=indicator.value,
                subtype=subtype,
                first_seen=seen[0] if seen else None,
                last_seen=seen[-1] if seen else None,
                host=next(iter(host_set)) or None if len(host_set) == 1 else None,
                confidence=IOC_CONFIDENCE,
                provenance=Provenance(
                    source=pointer["_file"],
                    sha256=pointer["_sha256"],
                    record=pointer["_record"],
                    text=f"indicator from {sources} in {result.matched[value]} event(s); first: {detail[:200]}",
                    method="ioc-match",
                ),
            )
        )
    result.events = len(events)
    return result
