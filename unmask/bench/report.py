"""The attribution benchmark's result as Markdown, every metric against the issue's targets."""

from __future__ import annotations

import textwrap
from typing import Any

__all__ = ["REPORTED", "TARGETS", "report"]

TARGETS = {
    ("campaign", "group", "top1"): (0.50, ">="),
    ("campaign", "group", "top5"): (0.75, ">="),
    ("citation_test", "group", "top1"): (0.55, ">="),
    ("citation_test", "group", "top5"): (0.80, ">="),
    ("campaign", "sponsor", "top1"): (0.80, ">="),
    ("citation_test", "sponsor", "top1"): (0.80, ">="),
    ("campaign", "group", "ece"): (0.08, "<="),
    ("citation_test", "group", "ece"): (0.08, "<="),
    ("open_set", "group", "auroc"): (0.80, ">="),
}


REPORTED = ("campaign", "citation_dev", "citation_test")


def _group_metrics(result: dict[str, Any]) -> list[tuple[str, dict[str, float]]]:
    return [(protocol, result[protocol]["group"]) for protocol in REPORTED if protocol in result]


def _protocol_table(result: dict[str, Any], title: str, text: str, columns: dict[str, str]) -> list[str]:
    """A section with one row per reported protocol: its units and the group metrics ``columns``."""
    lines = [
        "",
        f"### {title}",
        "",
        *textwrap.wrap(text, 100),
        "",
        "| protocol | units | " + " | ".join(columns.values()) + " |",
        "|---|---:|" + "---:|" * len(columns),
    ]
    for protocol, m in _group_metrics(result):
        if all(key in m for key in columns):
            # (a share of no units is no number: "—", as a JSON null or NaN)
            values = " | ".join(
                "—" if m[key] is None or m[key] != m[key] else f"{m[key]:.3f}" for key in columns
            )
            lines.append(f"| {protocol} | {m['units']:.0f} | {values} |")
    return lines


def report(result: dict[str, Any], command: str) -> str:
    """The benchmark result as Markdown."""
    lines = [
        "# Attribution benchmark",
        "",
        f"Reproduce: `{command}` (ATT&CK Enterprise v{result['meta']['attack_version']}, "
        f"KB SHA-256 `{result['meta']['kb_sha256'][:16]}…`). Every unit's outcome: add `--units FILE`.",
        "",
        "Units: "
        + ", ".join(f"{k} {v}" for k, v in result["meta"]["units"].items())
        + f". Whole run: {result['meta']['seconds']:.0f} s.",
        "",
        "Protocols (every profile built from a KB view without the held-out unit, without every",
        "relationship whose citations all come from the unit's reports, and with those reports struck",
        "from the citations of what stays; a report ATT&CK cites under several names, one URL, is one report;",
        "ATT&CK's links alone: a second source's software links cite no report that could be held out):",
        "",
        "- `campaign` (A): every ATT&CK campaign attributed to a group, attributed from its techniques and software.",
        "- `citation_dev` / `citation_test` (B): every (group, cited report) pair with at least 5 technique or",
        "  software items; the report removed everywhere. Reports are split in two halves by a hash of their",
        "  name (development if any of its names hashes there); parameters were chosen on `citation_dev` only (`unmask bench attribution --tune`): its",
        "  units, and for the ranking weights also units merging up to four of one group's `citation_dev`",
        "  reports (all held out), so that the fit sees cases of a campaign's size, and one to four items",
        "  of each `citation_dev` unit, so that it sees how little a first lead says.",
        "- `open_set` (C): the reported units again, with their group's fold (one fifth of the groups, by a",
        "  hash of the id; every right group's fold for a campaign of two groups) removed from the KB; AUROC of P(unknown) against the same units with the group known.",
        "- sponsor level (D): the KB's sponsor state of the right group (`none` for criminal groups); units",
        "  whose group has no known state are left out of the sponsor metrics.",
        "",
        "Top-k ranks the right group among the known actors (as the TF-IDF baselines of the issue do);",
        "`top1_strict` also requires it to beat the unknown hypothesis. ECE (10 bins) and Brier are of the",
        "top-1 probability, unknown included, against whether the top-1 answer was right.",
        "",
        "Baselines quoted in the issue (TF-IDF cosine over techniques and software, ATT&CK v18.1): campaign",
        "top-1 0.29 (software only 0.46); citation top-1 0.43, top-5 0.64; sponsor top-1 0.62.",
        "",
        "## Against the targets",
        "",
        "| protocol | level | metric | target | result | | 95 % interval (bootstrap) |",
        "|---|---|---|---:|---:|---|---|",
    ]
    for (protocol, level, metric), (target, op) in TARGETS.items():
        m = result.get(protocol, {}).get(level, {})
        value = m.get(metric, float("nan"))
        ok = value >= target if op == ">=" else value <= target
        if metric == "ece":
            spread = (
                f"a perfectly calibrated model: {m.get('ece_calibrated', float('nan')):.3f} "
                f"(95th percentile {m.get('ece_calibrated_p95', float('nan')):.3f})"
            )
        else:
            spread = f"{m.get(f'{metric}_low', float('nan')):.3f}–{m.get(f'{metric}_high', float('nan')):.3f}"
        lines.append(
            f"| {protocol} | {level} | {metric} | {op} {target} | {value:.3f} | {'met' if ok else 'NOT met'} "
            f"| {spread} |"
        )
    timing = result.get("time", {})
    if timing:
        ok = timing["median_ms"] <= 50
        lines.append(
            f"| all | case | median time (ms) | <= 50 | {timing['median_ms']:.1f} | {'met' if ok else 'NOT met'} | |"
        )
    ok = result["meta"]["seconds"] <= 600
    lines.append(
        f"| all | run | seconds | <= 600 | {result['meta']['seconds']:.0f} | {'met' if ok else 'NOT met'} | |"
    )
    lines += [
        "",
        "The intervals resample the units (1000 draws, fixed seed). For ECE the column gives the ECE that",
        "a perfectly calibrated model with the same confidences would show on the same number of units",
        "(each answer right with exactly its stated probability): a measured ECE is evidence of",
        "miscalibration only above that. Mean top-1 confidence against accuracy (top1 strict):",
        "",
    ]
    for protocol, m in _group_metrics(result):
        lines.append(f"- {protocol}: confidence {m['mean_confidence']:.3f}, accuracy {m['top1_strict']:.3f}")
    lines += ["", "## Every metric", ""]
    for protocol in REPORTED:
        if protocol not in result:
            continue
        lines += [
            f"### {protocol}",
            "",
            "| level | units | top1 | top3 | top5 | top10 | MRR | top1 strict | ECE | Brier |",
        ]
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for level in ("group", "sponsor"):
            m = result[protocol][level]
            lines.append(
                f"| {level} | {m['units']:.0f} | {m['top1']:.3f} | {m['top3']:.3f} | {m['top5']:.3f} | "
                f"{m['top10']:.3f} | {m['mrr']:.3f} | {m['top1_strict']:.3f} | {m['ece']:.3f} | {m['brier']:.3f} |"
            )
        lines.append("")
    for split, key in (("dev", "open_set_dev"), ("test", "open_set")):
        if key in result:
            m = result[key]["group"]
            lines += [
                f"### open set ({split} units, their group's fold held out)",
                "",
                f"AUROC of P(unknown), held-out vs known: {m['auroc']:.3f} "
                f"(95 % interval {m['auroc_low']:.3f}–{m['auroc_high']:.3f}); unknown ranked first for "
                f"{m['unknown_top1']:.3f} of held-out units; mean P(unknown) {m['mean_p_unknown_held_out']:.3f} "
                f"held out vs {m['mean_p_unknown_known']:.3f} known ({m['units']:.0f} units).",
                "",
            ]
    if "thin_test" in result:
        m = result["thin_test"]["group"]
        sponsor = result["thin_test"]["sponsor"]
        lines += [
            "### A first lead: one to four items (`thin_test`)",
            "",
            "One to four items (by a hash) of each reported citation unit, the report held out: what an",
            "analyst has after the first hits of a hunt. Not a target of the issue; it shows that little",
            "evidence leaves the answer open rather than falsely certain. A case of fewer than five",
            "items holds no actor above a new group and no state above an unknown sponsor (a tie is",
            "listed with the unknown first), so the strict top-1 and the sponsor top-1 count none right",
            "here by that rule; top1 and top5 rank the right group among the known actors.",
            "",
            "| units | top1 | top5 | top1 strict | mean confidence | ECE | unknown first (1 item / 2 items / all) "
            "| mean P(unknown) known / held out | AUROC | sponsor top1 |",
            "|---:|---:|---:|---:|---:|---:|---|---|---:|---:|",
            f"| {m['units']:.0f} | {m['top1']:.3f} | {m['top5']:.3f} | {m['top1_strict']:.3f} "
            f"| {m['mean_confidence']:.3f} | {m['ece']:.3f} "
            f"| {m.get('unknown_first_1_items', float('nan')):.2f} / {m.get('unknown_first_2_items', float('nan')):.2f}"
            f" / {m['unknown_first']:.2f} "
            f"| {m['mean_p_unknown_known']:.3f} / {m.get('mean_p_unknown_held_out', float('nan')):.3f} "
            f"| {m.get('auroc', float('nan')):.3f} | {sponsor['top1']:.3f} |",
            "",
        ]
    lines += [
        "### The baseline in the same run",
        "",
        "The issue's baseline measured on the same units and KB views: rank the actors by the",
        "idf-weighted cosine of the case's techniques and software (or software alone) to each actor's",
        "profile; at the sponsor level, the state of the actor ranked first. Ties share their middle",
        "rank. The last baseline column counts shared software items and breaks ties in the right",
        "group's favour (an optimistic measure; it is how the issue's quoted software-only figure",
        "for campaigns is reproduced in these views).",
        "",
        "| protocol | baseline top1 | top5 | software only top1 | top5 | sponsor top1 "
        "| software count, ties favour the truth, top1 | unmask top1 | top5 | sponsor top1 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for protocol, m in _group_metrics(result):
        if "baseline_top1" in m:
            sponsor = result[protocol]["sponsor"]
            lines.append(
                f"| {protocol} | {m['baseline_top1']:.3f} | {m['baseline_top5']:.3f} "
                f"| {m['baseline_software_top1']:.3f} | {m['baseline_software_top5']:.3f} "
                f"| {sponsor.get('baseline_top1', float('nan')):.3f} | {m['baseline_software_count_top1']:.3f} "
                f"| {m['top1']:.3f} | {m['top5']:.3f} "
                f"| {sponsor['top1']:.3f} |"
            )
    lines += _protocol_table(
        result,
        "What the held-out KB leaves of the right group",
        "Model-free: the share of each unit's items still in its group's profile once the unit (its "
        "reports) is held out. Where almost nothing is left, no method can rank the group from the "
        "evidence; the issue's top-k targets are against all units.",
        {
            "share_nothing_left": "none left",
            "share_under_30pct_left": "under 30 % left",
            "share_half_left": "half or more left",
            "top5_half_left": "top5 where half or more left",
        },
    )
    lines += _protocol_table(
        result,
        "The shared-tooling warning",
        "How often the tools and exploits of the case that point to one other actor favour it over the "
        "leader by as much as the case's best item favours the leader, or by 3 nats together "
        "(`possible false flag, shared tooling or a second actor`; not when only public tools do: "
        "that is a `shared public tool`, no doubt on the lead), "
        "and how often the leader is right with and without that warning.",
        {
            "share_shared_tooling": "warned",
            "top1_shared_tooling": "top1 when warned",
            "top1_no_shared_tooling": "top1 otherwise",
        },
    )
    lines += _protocol_table(
        result,
        "Analytic confidence",
        "The confidence level (ICD 203: how much, how varied and how hard to fake the evidence is) "
        "the assessment gives its leading hypothesis, unknown included: the share of units at each "
        "level and how often that lead is right. A level worth reading is right more often the "
        "higher it is.",
        {
            f"{kind}_{name}_confidence": f"{name} {'share' if kind == 'share' else 'right'}"
            for name in ("low", "moderate", "high")
            for kind in ("share", "right")
        },
    )
    lines.append("")
    if timing:
        lines += [
            f"Time per case (engine, KB loaded): median {timing['median_ms']:.1f} ms, p95 {timing['p95_ms']:.1f} ms.",
            "",
        ]
    lines += [
        "## Parameters",
        "",
        "```",
        *(f"{k} = {v}" for k, v in result["meta"]["parameters"].items()),
        "```",
        "",
    ]
    return "\n".join(lines)
