"""Technique extraction from prose, measured on ATT&CK procedure examples.

The labelled set: every procedure example of ATT&CK v18.1 (the text of a *uses* relationship
from a group, software or campaign to a technique), its citations removed, labelled with that
technique.  Examples are split in two by their first cited report (the same report hash
split as the attribution benchmark): phrases are learned from the ``dev`` half only and
everything is reported on the ``test`` half.  Three matchers are compared side by side:

- ids: ATT&CK ids written in the text (``T1003.001``);
- ids + names: also technique and sub-technique names (``LSASS Memory``) and the hand-written
  vocabulary of how intrusion reports write techniques (``extract/vocabulary.py``: "deleted
  shadow copies"), which no example was used to write;
- ids + names + phrases: also the phrases learned from the dev half.

Recall: the share of examples whose technique is found (exact, and at parent level).
Precision: the share of found techniques that are the example's label.  An example often
describes more than one technique while carrying one label, so this precision is a lower
bound.  Writes docs/benchmarks/extract.md.

    python benchmarks/extract.py
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

from unmask.bench.units import split_of
from unmask.extract.lexicon import Lexicon
from unmask.extract.phrases import attack_name_words, clean_example, learn_phrases
from unmask.knowledge.attack import load_attack_bundle
from unmask.knowledge.home import sources_dir
from unmask.knowledge.install import ATTACK_VERSION
from unmask.knowledge.store import load_kb

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "benchmarks" / "extract.md"
_ID = re.compile(r"\bT1\d{3}(?:\.\d{3})?\b")


def predict(text: str, lexicon: Lexicon | None, known: set[str]) -> set[str]:
    found = {m.group(0) for m in _ID.finditer(text) if m.group(0) in known}
    if lexicon is not None:
        for category, ident, _, _ in lexicon.find(text):
            if category in ("technique", "phrase"):
                found.add(ident)
    return found


def measure(examples: list[tuple[str, str]], lexicon: Lexicon | None, known: set[str]) -> dict[str, float]:
    hits = parent_hits = predicted = correct = correct_parent = 0
    for text, label in examples:
        found = predict(text, lexicon, known)
        predicted += len(found)
        correct_parent += sum(1 for f in found if f.split(".")[0] == label.split(".")[0])
        if label in found:
            hits += 1
            correct += 1
        if label.split(".")[0] in {f.split(".")[0] for f in found}:
            parent_hits += 1
    n = len(examples)
    return {
        "examples": n,
        "recall": hits / n,
        "recall_parent": parent_hits / n,
        "precision": correct / predicted if predicted else 0.0,
        "precision_parent": correct_parent / predicted if predicted else 0.0,
        "found_per_example": predicted / n,
    }


def main() -> None:
    bundle = sources_dir() / f"enterprise-attack-{ATTACK_VERSION}.json"
    if not bundle.exists():
        sys.exit("install the knowledge base first: unmask kb install")
    attack, _ = load_attack_bundle(bundle)
    kb = load_kb()
    examples = {"dev": [], "test": []}
    for technique, text, citations in attack.procedures:
        names = kb.report_names(citations[0]) if citations else (text,)
        examples[split_of(*names)].append((clean_example(text), technique))
    start = time.perf_counter()
    learned = learn_phrases(examples["dev"], exclude=attack_name_words(attack))
    learn_seconds = time.perf_counter() - start
    known = set(kb.techniques)
    matchers = {
        "ids": None,
        "ids + names (and vocabulary)": Lexicon.from_kb(kb, phrases={}),
        "ids + names + phrases (learned on dev)": Lexicon.from_kb(kb, phrases=learned),
    }
    rows = []
    for name, lexicon in matchers.items():
        for split in ("dev", "test"):
            start = time.perf_counter()
            result = measure(examples[split], lexicon, known)
            result["ms_per_example"] = 1000 * (time.perf_counter() - start) / max(1, len(examples[split]))
            rows.append((name, split, result))
            print(name, split, json.dumps({k: round(v, 3) for k, v in result.items()}), flush=True)
    lines = [
        "# Technique extraction from report prose",
        "",
        "Reproduce: `python benchmarks/extract.py` (needs the installed KB and its cached ATT&CK bundle).",
        "",
        f"Labelled set: the {len(attack.procedures):,} procedure examples of ATT&CK {attack.version} (citations removed), "
        f"split by their first cited report (dev if any of its names is): {len(examples['dev']):,} dev, {len(examples['test']):,} test. "
        f"Phrases learned from dev only: {len(learned):,} ({learn_seconds:.1f} s). The result is the test half; "
        "dev is shown for comparison.",
        "",
        "| matcher | split | examples | recall (exact) | recall (parent) | precision (lower bound) | precision (parent) | techniques found per example | ms per example |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, split, r in rows:
        lines.append(
            f"| {name} | {split} | {int(r['examples']):,} | {r['recall']:.3f} | {r['recall_parent']:.3f} | "
            f"{r['precision']:.3f} | {r['precision_parent']:.3f} | {r['found_per_example']:.2f} | {r['ms_per_example']:.2f} |"
        )
    lines += [
        "",
        "Precision counts a found technique as wrong unless it is the example's one label, although many examples "
        "describe several techniques; it is a lower bound. Precision (parent) counts a found technique as right when it "
        "is of the label's parent technique (T1566 for an example labelled T1566.001: the e-mail said, its attachment not). The shipped knowledge base learns its phrases from all "
        "examples (`unmask kb install`); these figures use phrases learned from the dev half only. Names "
        "include the hand-written vocabulary of extract/vocabulary.py, written from how intrusion reports "
        "speak, not from these examples.",
        "",
    ]
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
