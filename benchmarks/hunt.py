"""Hunting speed: ``unmask hunt`` over the sample EVTX set, once and replicated 10 times.

Workload: the SigmaHQ Windows rules over every EVTX file of ``hayabusa-sample-evtx``
(about 24,700 events), then over the same files linked 10 times (about 247,000 events).
Each run is a fresh ``unmask hunt`` process, end to end (parse, compile or load the rules,
detect, write findings and the case); its wall time and the peak resident memory of its
whole process tree (workers included; proportional set size, so pages a forked worker
shares with its parent count once; sampled every 50 ms) are recorded.  "cold" runs
start with an empty compiled-rule cache; "warm" runs reuse it, as a second hunt would.

In the same run, side by side, a baseline: parsing the same files with the ``evtx``
package alone (records to JSON to Python dicts, one process), the floor of any
Python tool's parse.  ``--zircolite "CMD"`` adds Zircolite (or any tool) as a second
baseline; ``{evidence}`` and ``{rules}`` in CMD are replaced.  Writes docs/benchmarks/hunt.md.

    python benchmarks/hunt.py [--copies 10] [--zircolite "python3 zircolite.py --evtx {evidence} --ruleset {rules}"]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
DATASETS = Path(os.environ.get("UNMASK_DATASETS", ROOT.parent / "shared" / "datasets"))
OUT = ROOT / "docs" / "benchmarks" / "hunt.md"
UNMASK = [sys.executable, "-m", "unmask"]

PARSE_ONLY = """
import sys, evtx, orjson
from pathlib import Path
n = 0
for path in sorted(Path(sys.argv[1]).rglob("*.evtx")):
    for record in evtx.PyEvtxParser(str(path), number_of_threads=1, skip_errors=True).records_json():
        orjson.loads(record["data"]); n += 1
print(n)
"""


def measure(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """Wall seconds, peak memory (PSS) of the process tree (bytes), and standard output."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL, env=env)
        root = psutil.Process(process.pid)
        peak = 0
        while process.poll() is None:
            total = 0
            with contextlib.suppress(psutil.Error):
                for proc in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        # PSS: pages shared between the parent and its forked workers
                        # are counted once, not once per process as RSS would.
                        total += proc.memory_full_info().pss
            peak = max(peak, total)
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
        out.seek(0)
        text = out.read().decode(errors="replace")
    if process.returncode != 0:
        sys.exit(f"failed ({process.returncode}): {' '.join(command)}\n{text[-2000:]}")
    return elapsed, peak, text


def replicate(source: Path, target: Path, copies: int) -> None:
    """``copies`` folders of symbolic links to every EVTX file under ``source``."""
    for index in range(copies):
        for path in source.rglob("*.evtx"):
            link = target / f"copy{index}" / path.relative_to(source)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(path)


def hunt_run(evidence: Path, rules: Path, work: Path, home: Path) -> dict[str, float]:
    case = Path(tempfile.mkdtemp(dir=work))
    env = dict(os.environ, UNMASK_HOME=str(home))
    seconds, peak, text = measure(
        [*UNMASK, "hunt", str(evidence), "--rules", str(rules), "--case", str(case / "c"), "--json"], env
    )
    summary = json.loads(text)
    events = summary["total_events"]
    return {
        "seconds": seconds,
        "peak_mb": peak / 2**20,
        "events": events,
        "findings": summary["findings"],
        "events_per_s": events / seconds,
        **{f"t_{k}": v for k, v in summary["timings"].items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument(
        "--largest", type=int, default=20, help="one more warm run at this many copies (0: none)"
    )
    parser.add_argument("--rules", type=Path, default=DATASETS / "sigmahq" / "rules" / "windows")
    parser.add_argument("--evidence", type=Path, default=DATASETS / "hayabusa-sample-evtx")
    parser.add_argument("--zircolite", help="a baseline command; {evidence} and {rules} are replaced")
    parser.add_argument("--output", type=Path, default=OUT)
    args = parser.parse_args()
    if not args.evidence.is_dir() or not args.rules.is_dir():
        sys.exit(f"datasets not found under {DATASETS}")
    rows: list[tuple[str, str, dict[str, float]]] = []
    with tempfile.TemporaryDirectory(prefix="unmask-bench-") as tmp:
        work = Path(tmp)
        many = work / "x"
        replicate(args.evidence, many, args.copies)
        workloads = [("1x", args.evidence), (f"{args.copies}x", many)]
        for name, evidence in workloads:
            home = work / f"home-{name}"
            seconds, peak, text = measure([sys.executable, "-c", PARSE_ONLY, str(evidence)])
            events = int(text.strip() or 0)
            rows.append(
                (
                    name,
                    "evtx parse only (baseline, 1 process)",
                    {
                        "seconds": seconds,
                        "peak_mb": peak / 2**20,
                        "events": events,
                        "events_per_s": events / seconds,
                    },
                )
            )
            print(name, rows[-1], flush=True)
            rows.append((name, "unmask hunt, cold rule cache", hunt_run(evidence, args.rules, work, home)))
            print(name, rows[-1], flush=True)
            rows.append((name, "unmask hunt, warm rule cache", hunt_run(evidence, args.rules, work, home)))
            print(name, rows[-1], flush=True)
            if args.zircolite:
                command = shlex.split(args.zircolite.format(evidence=evidence, rules=args.rules))
                seconds, peak, _ = measure(command)
                rows.append(
                    (
                        name,
                        "baseline: " + command[0],
                        {
                            "seconds": seconds,
                            "peak_mb": peak / 2**20,
                            "events": events,
                            "events_per_s": events / seconds,
                        },
                    )
                )
                print(name, rows[-1], flush=True)
        if args.largest:
            largest = work / "largest"
            replicate(args.evidence, largest, args.largest)
            name = f"{args.largest}x"
            rows.append(
                (name, "unmask hunt, warm rule cache", hunt_run(largest, args.rules, work, work / "home-1x"))
            )
            print(name, rows[-1], flush=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report(rows, args), encoding="utf-8")
    print(f"wrote {args.output}")


def report(rows: list[tuple[str, str, dict[str, float]]], args: argparse.Namespace) -> str:
    lines = [
        "# Hunting speed",
        "",
        "Reproduce: `python benchmarks/hunt.py` (needs `../shared/datasets`; about two minutes).",
        "",
        f"Machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB.  Rules: `{args.rules.relative_to(DATASETS) if args.rules.is_relative_to(DATASETS) else args.rules}`.",
        "",
        "| workload | run | events | seconds | events/s | peak memory (MB) | parse | rules | detect | findings |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, label, r in rows:
        lines.append(
            f"| {name} | {label} | {int(r['events']):,} | {r['seconds']:.1f} | {r['events_per_s']:,.0f} | {r['peak_mb']:,.0f} | "
            + " | ".join(f"{r[k]:.1f}" if k in r else "" for k in ("t_ingest", "t_rules", "t_detect"))
            + f" | {int(r['findings']) if 'findings' in r else ''} |"
        )
    by = {(n, label): r for n, label, r in rows}
    ratios = []
    for name in {n for n, _, _ in rows}:
        base = by.get((name, "evtx parse only (baseline, 1 process)"))
        warm = by.get((name, "unmask hunt, warm rule cache"))
        if base and warm:
            ratios.append(
                f"- {name}: a whole warm hunt takes {warm['seconds'] / base['seconds']:.2f}× the time of parsing alone."
            )
    peaks = [(n, r["peak_mb"]) for n, label, r in rows if label == "unmask hunt, warm rule cache"]
    lines += [
        "",
        "Peak memory of warm hunts as the input grows: "
        + ", ".join(f"{n} {mb:,.0f} MB" for n, mb in peaks)
        + ".  What grows is DuckDB's working memory, which its limit caps (512 MB by default, "
        "`--memory-limit`; beyond it DuckDB spills to disk); parse workers write Parquet parts of at "
        "most 20,000 rows, hits stream through a bounded queue, and artifacts are read back by a "
        "streamed join, so nothing else grows with the input.",
    ]
    lines += [
        "",
        "The columns parse / rules / detect are the stages as `unmask hunt` times them (seconds); "
        "`seconds` is the whole process, interpreter start included.",
        "",
        "Side by side, in the same run:",
        *sorted(ratios),
        "",
        "Targets (issue 4): at least 10,000 events/s on the 10× set on 2 cores, peak memory at most 1.5 GB, "
        "memory flat as input grows.  For reference, the issue measured Zircolite at about 510 events/s "
        "(24,700 events) and 464 events/s (10×, 892 MB) on this kind of machine; Hayabusa publishes about "
        "17,000 events/s on 4 cores.  Those figures are quoted, not re-measured here, unless a `baseline:` row "
        "appears above.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
