"""``unmask export``: a case (and its assessment) as a Navigator layer, STIX 2.1 or MISP event."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from unmask.cli.attribute import KbWithout, attributed
from unmask.cli.common import (
    OrgOption,
    TlpOption,
    WrittenJson,
    check_json_output,
    check_output,
    dash_is_stdout,
    emit_json,
    err_console,
    flag,
    issuer,
    marked,
    printable,
    say_written,
    user_errors,
)
from unmask.errors import ConfigError
from unmask.export.misp import event_for_case
from unmask.export.navigator import case_layer
from unmask.export.resolved import benign_lists, named_lead
from unmask.export.stix import bundle_for_case
from unmask.knowledge.home import atomic_write
from unmask.knowledge.warninglists import benign_index
from unmask.printable import json_text

__all__ = ["export_command"]

FORMATS = ("navigator", "stix", "misp")
_WRITES = {"navigator": "an ATT&CK Navigator layer", "stix": "a STIX 2.1 bundle", "misp": "a MISP event"}


@user_errors
def export_command(
    case: Annotated[Path, typer.Argument(help="A case file or a case directory.")],
    fmt: Annotated[str, typer.Option("--format", help="navigator, stix or misp.")] = "stix",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write here (stdout if omitted or -).", callback=dash_is_stdout),
    ] = None,
    overlay: Annotated[
        bool,
        flag(
            "--overlay/--no-overlay",
            help="Navigator: overlay the techniques of the actor the assessment names (if any).",
        ),
    ] = True,
    without: KbWithout = None,
    tlp: TlpOption = None,
    org: OrgOption = None,
    as_json: WrittenJson = False,
) -> None:
    """Export a case for sharing: ATT&CK Navigator layer 4.5, STIX 2.1 bundle (TLP 2.0), MISP event.

    The case is attributed first: STIX and MISP name the actor the assessment names (if any;
    docs/reporting.md says when), STIX with an attributed-to relationship, MISP with a
    threat-actor tag; the other hypotheses are described, not attributed.

    Example: unmask export case-01 --format navigator -o layer.json
    """
    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt!r}: choose {', '.join(FORMATS)}")
    check_output(output, case)
    check_json_output(output, _WRITES[fmt])
    org = issuer(org)
    loaded, kb, assessment = attributed(case, without, reporting=True)
    loaded = marked(loaded, tlp)
    benign = benign_index() if fmt in ("stix", "misp") else None
    listed = [obs.value for obs in loaded.observations if benign_lists(benign, obs.subtype, obs.value)]
    if listed:
        err_console.print(
            f"note: {len(listed)} value(s) on MISP warninglists kept out of the indicators (known-benign,"
            f" e.g. {printable(listed[0])}); the export names them",
            markup=False,
            highlight=False,
        )
    if fmt == "navigator":
        leading = named_lead(assessment)  # no overlay when the assessment names no actor
        actor = kb.actors.get(leading.id) if overlay and leading is not None else None
        data = case_layer(loaded, kb, actor)
    elif fmt == "stix":
        data = bundle_for_case(loaded, kb, assessment, benign, org)
    else:
        data = event_for_case(loaded, kb, assessment, benign, org)
    if output is None:
        emit_json(data)
        return
    atomic_write(output, json_text(json.dumps(data, indent=2, ensure_ascii=False)).encode())
    say_written(output, fmt, as_json)
