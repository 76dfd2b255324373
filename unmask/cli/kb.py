"""``unmask kb ...``: install, inspect and query the threat-actor knowledge base."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from unmask.cli.common import (
    JsonOption,
    WrittenJson,
    check_json_output,
    check_output,
    console,
    dash_is_stdout,
    emit_json,
    err_console,
    flag,
    one_line,
    plain,
    printable,
    say_written,
    user_errors,
)
from unmask.cli.render import actor_view, compare_view, conflicts_view, search_view, summary_view
from unmask.errors import ConfigError, UnknownNameError, UnmaskError
from unmask.knowledge.aliases import normalize_name
from unmask.knowledge.install import install_kb
from unmask.knowledge.store import KnowledgeBase, load_kb

__all__ = ["kb_app"]

kb_app = typer.Typer(
    help="The threat-actor knowledge base (ATT&CK + MISP galaxies), offline after install.",
    no_args_is_help=True,
)

WithoutCampaign = Annotated[
    list[str] | None,
    typer.Option("--without-campaign", help="Evaluation view: leave this campaign (id or name) out."),
]
WithoutCitation = Annotated[
    list[str] | None,
    typer.Option("--without-citation", help="Evaluation view: leave this citation (report) out."),
]


def _kb(
    without_campaign: list[str] | None = None, without_citation: list[str] | None = None
) -> KnowledgeBase:
    kb = load_kb()
    if without_campaign or without_citation:
        kb = kb.view(without_campaign or (), without_citation or ())
    return kb


@kb_app.command("install")
@user_errors
def install_command(
    source: Annotated[
        str | None,
        typer.Option("--from", help="An ATT&CK Enterprise STIX 2.1 bundle: file path or URL."),
    ] = None,
    sha256: Annotated[
        str | None, typer.Option("--sha256", help="Refuse the --from bundle unless it has this SHA-256.")
    ] = None,
    galaxies: Annotated[
        Path | None,
        typer.Option("--galaxies", help="A MISP galaxy clusters folder instead of the packaged one."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Download (or read), verify and compile the KB; the previous KB stays until the new one is complete.

    Example: unmask kb install            (pinned ATT&CK v18.1, verified by SHA-256)
             unmask kb install --from enterprise-attack.json
    """
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
        console=err_console, transient=True, disable=not err_console.is_terminal,
    ) as progress:  # fmt: skip
        task = progress.add_task("installing the knowledge base", total=None)
        result = install_kb(
            source,
            sha256=sha256,
            galaxies_dir=galaxies,
            progress=lambda message: progress.update(task, description=message),
        )
    assert result.kb is not None
    summary = result.kb.summary()
    if as_json:
        emit_json({"origin": result.origin, "attempts": result.attempts, **summary})
        return
    for attempt in result.attempts:
        err_console.print(printable(f"  {attempt}"), markup=False, highlight=False)
    console.print(summary_view(summary))
    console.print(plain(f"installed from {result.origin}"))


@kb_app.command("intel")
@user_errors
def intel_command(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="STIX 2.1 bundles, MISP event exports (JSON), or indicator lists (with --actor)."
        ),
    ] = None,
    actor: Annotated[
        str | None,
        typer.Option("--actor", help="Whose indicators these are, when a file names no actor or several."),
    ] = None,
    keep_benign: Annotated[
        bool, flag("--keep-benign", help="Keep values a MISP warninglist calls benign.")
    ] = False,
    list_entries: Annotated[bool, flag("--list", help="List the intelligence in the KB.")] = False,
    remove: Annotated[
        str | None, typer.Option("--remove", help="Remove the entry whose SHA-256 starts with this.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Add the infrastructure and file indicators of your own intelligence to the installed KB.

    Each file's indicators are tied to the actor it names (a STIX intrusion set or threat
    actor, a MISP threat-actor galaxy tag) or to --actor; 'unmask attribute' then weighs a
    case's indicators against them. A file that cannot be used is reported and the rest added.

    A plain list of indicators (one per line, a CSV, or a JSON list of values) names no actor:
    give it with --actor.

    Example: unmask kb intel misp-event-1234.json stix-report.json
             unmask kb intel iocs.txt --actor "OilRig"
             unmask kb intel --list
             unmask kb intel --remove 3f5a09
    """
    from unmask.knowledge.intel import add_intel, remove_intel
    from unmask.knowledge.warninglists import benign_index

    if list_entries or remove:
        if files:
            raise UnmaskError("--list and --remove take no files; add files in a separate run")
        kb = load_kb()
        entries = remove_intel(remove, actor=actor) if remove else kb.summary()["intel"]
        if as_json:
            emit_json({"removed" if remove else "intel": entries})
            return
        for e in entries:
            verb = "removed: " if remove else ""
            # The actor under the name the KB gives it (as adding said), the file's own name after.
            known = kb.actors.get(e["actor"])
            name = known.name if known is not None else e["actor_name"]
            given = f", given as {e['actor_name']!r}" if e["actor_name"] not in (name, e["actor"]) else ""
            console.print(
                plain(
                    f"{verb}{e['sha256'][:12]}  {name} ({e['actor']}{given})  {e['indicators']} indicator(s)  "
                    f"{e['origin']}"
                )
            )
        if not entries:
            console.print("no intelligence in the KB; add some with 'unmask kb intel FILE...'")
        return
    if not files:
        raise UnmaskError("give STIX bundles or MISP events to add, or --list, or --remove SHA")
    result = add_intel(files, actor, None if keep_benign else benign_index())
    if as_json:
        emit_json(
            {
                "added": [e.to_dict() | {"indicators": len(e.indicators)} for e in result.added],
                "failed": result.failed,
                "notes": result.notes,
            }
        )
    else:
        for entry in result.added:
            name = result.kb.actors[entry.actor].name if result.kb else entry.actor
            skipped = f", {entry.benign_skipped} benign value(s) left out" if entry.benign_skipped else ""
            console.print(
                plain(
                    f"{entry.origin}: {len(entry.indicators)} indicator(s) added to {name} ({entry.actor}){skipped}"
                )
            )
        for message in result.notes:
            err_console.print(one_line(f"note: {message}"), highlight=False)
        for message in result.failed:
            err_console.print(printable(f"error: {message}"), markup=False, highlight=False)
    if result.failed:
        raise typer.Exit(2)


@kb_app.command("info")
@user_errors
def info_command(
    without_campaign: WithoutCampaign = None,
    without_citation: WithoutCitation = None,
    as_json: JsonOption = False,
) -> None:
    """Versions, hashes and counts of the installed KB.

    Example: unmask kb info --json
    """
    summary = _kb(without_campaign, without_citation).summary()
    if as_json:
        emit_json(summary)
    else:
        console.print(summary_view(summary))


@kb_app.command("actor")
@user_errors
def actor_command(
    name: Annotated[str, typer.Argument(help="Any name of the actor in any source, or its id.")],
    limit: Annotated[int, typer.Option(min=1, help="How many techniques and software to list.")] = 15,
    without_campaign: WithoutCampaign = None,
    without_citation: WithoutCitation = None,
    as_json: JsonOption = False,
) -> None:
    """One actor's profile: names by source, sponsor, techniques, software, victims, relations.

    Example: unmask kb actor "Hazel Sandstorm"
    """
    kb = _kb(without_campaign, without_citation)
    candidates = kb.actor_candidates(name)
    actor = candidates[0] if candidates else kb.actor(name)
    if as_json:
        data = actor.to_dict()
        data["also_named_by"] = [a.id for a in candidates[1:]]
        emit_json(data)
        return
    console.print(actor_view(kb, actor, limit))
    if len(candidates) > 1:
        others = ", ".join(f"{a.name} ({a.id})" for a in candidates[1:])
        console.print(plain(f"The name {name!r} is also used for: {others}"))


@kb_app.command("search")
@user_errors
def search_command(
    text: Annotated[str, typer.Argument(help="Part of a name: actor, software, technique or campaign.")],
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many results.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Find actors, software, techniques and campaigns by (fuzzy) name.

    Example: unmask kb search "sandstorm"
    """
    if not normalize_name(text):
        raise ConfigError(f"search {text!r}: give a name, or part of one, with letters or digits")
    hits = load_kb().search(text, limit)
    if as_json:
        emit_json([h.to_dict() for h in hits])
    else:
        console.print(search_view(hits))


@kb_app.command("compare")
@user_errors
def compare_command(
    names: Annotated[list[str], typer.Argument(help="Two or more actor names or ids.")],
    without_campaign: WithoutCampaign = None,
    without_citation: WithoutCitation = None,
    as_json: JsonOption = False,
) -> None:
    """Techniques and software the actors share, and those unique to each.

    Example: unmask kb compare OilRig MuddyWater APT33
    """
    kb = _kb(without_campaign, without_citation)
    result = kb.compare(names)
    if as_json:
        emit_json(result)
    else:
        console.print(compare_view(kb, result))


CONFLICT_KINDS = (
    "merge-refused",
    "alias-collision",
    "described-twice",
    "sponsor",
    "duplicate-cluster",
    "missing-source",
)


@kb_app.command("conflicts")
@user_errors
def conflicts_command(
    kind: Annotated[
        str | None,
        typer.Option(help="Only this kind: " + ", ".join(CONFLICT_KINDS) + "."),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Only conflicts that mention this name.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Where the sources disagree and the KB kept groups apart instead of merging silently.

    Example: unmask kb conflicts --kind alias-collision
    """
    kb = load_kb()
    conflicts = kb.conflicts
    kind = kind.strip().lower() if kind else kind  # "DESCRIBED-TWICE" as the labels are written
    if kind:
        kinds = sorted({c.kind for c in conflicts} | set(CONFLICT_KINDS))
        if kind not in kinds:
            raise ConfigError(f"--kind {kind!r}: choose {', '.join(kinds)}")
        conflicts = [c for c in conflicts if c.kind == kind]
    if name is not None:
        # As names are compared everywhere: "APT 28", "apt28" and "APT-28" are one name.
        needle = normalize_name(name)
        if not needle:
            raise ConfigError(f"--name {name!r}: give a name with letters or digits")
        # An actor's name stands for all its names: a clash over Sandworm's alias IRIDIUM is Sandworm's.
        try:
            names = {normalize_name(n) for n in kb.actor(name).all_names}
        except UnknownNameError as exc:
            names = set()
            hint = f"; did you mean: {', '.join(exc.suggestions)}?" if exc.suggestions else ""
            err_console.print(plain(f"note: {name!r} is no actor's name in the knowledge base{hint}"))
        conflicts = [
            c
            for c in conflicts
            if needle in normalize_name(c.subject)
            or normalize_name(c.subject) in names
            or any(needle in normalize_name(p) for p in c.parties)
        ]
    if as_json:
        emit_json([c.to_dict() for c in conflicts])
    elif not conflicts:
        console.print(plain("no conflict" + (f" names {name!r}" if name is not None else " of that kind")))
    else:
        console.print(conflicts_view(conflicts))


@kb_app.command("layer")
@user_errors
def layer_command(
    names: Annotated[list[str], typer.Argument(help="One or more actor names or ids.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write here (stdout if omitted or -).", callback=dash_is_stdout),
    ] = None,
    without_campaign: WithoutCampaign = None,
    without_citation: WithoutCitation = None,
    as_json: WrittenJson = False,
) -> None:
    """An ATT&CK Navigator layer (format 4.5) of actors' techniques, scored by how many use each.

    Example: unmask kb layer OilRig MuddyWater -o iran.json
    """
    import json

    from unmask.export.navigator import actors_layer
    from unmask.knowledge.home import atomic_write

    check_output(output)
    check_json_output(output, "an ATT&CK Navigator layer")
    kb = _kb(without_campaign, without_citation)
    actors = list({actor.id: actor for actor in (kb.actor(n) for n in names)}.values())  # each once
    layer = actors_layer(actors, kb)
    if output is None:
        emit_json(layer)
        return
    atomic_write(output, json.dumps(layer, indent=2, ensure_ascii=False).encode())
    say_written(output, "navigator", as_json)
