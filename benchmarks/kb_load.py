"""How long the installed knowledge base takes to load, against reading the raw ATT&CK bundle.

Each measurement runs in a fresh Python process (imports included, as a user's
command pays them), alternating the two so machine noise hits both alike.
Writes docs/benchmarks/kb.md.

    python benchmarks/kb_load.py [--runs 7]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from unmask.knowledge.home import kb_path, sources_dir
from unmask.knowledge.install import ATTACK_VERSION

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "benchmarks" / "kb.md"

LOAD_KB = "from unmask.knowledge.store import load_kb; kb = load_kb(); kb.actors"
LOAD_RAW = "import json, sys; json.loads(open(sys.argv[1], 'rb').read())"


def _run(code: str, *args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *args], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    raw = sources_dir() / f"enterprise-attack-{ATTACK_VERSION}.json"
    if not kb_path().exists() or not raw.exists():
        sys.exit("install the KB first: unmask kb install")
    _run("pass")  # warm the OS file cache and the interpreter
    empty, kb_times, raw_times = [], [], []
    for _ in range(args.runs):
        empty.append(_run("pass"))
        kb_times.append(_run(LOAD_KB))
        raw_times.append(_run(LOAD_RAW, str(raw)))
    base = statistics.median(empty)
    kb_med, raw_med = statistics.median(kb_times), statistics.median(raw_times)
    lines = [
        "# Knowledge-base load time",
        "",
        f"Command: `python benchmarks/kb_load.py --runs {args.runs}` (also `make bench`).",
        "",
        f"Machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}.",
        "",
        "Each run is a fresh process; medians of the runs, interleaved.",
        "",
        "| what | median seconds | max seconds |",
        "|---|---:|---:|",
        f"| empty Python process (baseline) | {base:.3f} | {max(empty):.3f} |",
        f"| `load_kb()` + all actor profiles ({kb_path().stat().st_size / 1e6:.1f} MB file) "
        f"| {kb_med:.3f} | {max(kb_times):.3f} |",
        f"| `json.loads` of the raw ATT&CK v{ATTACK_VERSION} bundle ({raw.stat().st_size / 1e6:.1f} MB) "
        f"| {raw_med:.3f} | {max(raw_times):.3f} |",
        "",
        f"KB load beyond interpreter start: {kb_med - base:.3f} s (target: under 1 s). "
        f"Ratio to merely parsing the raw bundle: {(kb_med - base) / max(raw_med - base, 1e-9):.2f}.",
        "",
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
