"""Technique phrases learned from ATT&CK procedure examples.

A technique's name is not how reports speak of it: "dumped credentials from LSASS", "added a
Run key", "scheduled a task".  ATT&CK's procedure examples (the text of each *uses*
relationship) are thousands of such sentences, each labelled with its technique.  From a set
of examples, :func:`learn_phrases` keeps the two- and three-word phrases that occur in at
least ``min_count`` examples and point at one technique in at least ``min_precision`` of
them.  The knowledge base learns them from every example; the extraction benchmark learns
them from one half of the reports and measures on the other (docs/benchmarks/extract.md).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from unmask.extract.lexicon import words

__all__ = ["attack_name_words", "clean_example", "learn_phrases", "name_words", "phrase_keys"]

_CITATION = re.compile(r"\(Citation:[^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "being",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "his",
        "how",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "may",
        "might",
        "of",
        "on",
        "once",
        "or",
        "other",
        "our",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "up",
        "used",
        "uses",
        "using",
        "via",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "will",
        "with",
        "within",
        "would",
        "also",
        "both",
        "each",
        "either",
        "has",
        "been",
        "able",
        "new",
        "one",
        "two",
        "first",
        "several",
        "various",
        "multiple",
        "malicious",
        "attacker",
        "attackers",
        "adversary",
        "adversaries",
        "group",
        "groups",
        "actor",
        "actors",
        "threat",
        "campaign",
        "operation",
        "operations",
        "variant",
        "variants",
        "version",
        "versions",
        "sample",
        "samples",
    ]
)


def clean_example(text: str) -> str:
    """A procedure example without citations and with links reduced to their text."""
    return _LINK.sub(r"\1", _CITATION.sub("", text))


def phrase_keys(text: str, sizes: tuple[int, ...] = (2, 3)) -> set[str]:
    """The candidate phrases of a text: n-grams not starting or ending with a stop word."""
    tokens = [w.lower() for _, _, w in words(text)]
    keys: set[str] = set()
    for n in sizes:
        for i in range(len(tokens) - n + 1):
            gram = tokens[i : i + n]
            if gram[0] in STOPWORDS or gram[-1] in STOPWORDS or any(t.isdigit() for t in gram):
                continue
            keys.add(" ".join(gram))
    return keys


def learn_phrases(
    examples: Iterable[tuple[str, str]],
    *,
    min_count: int = 3,
    min_precision: float = 0.7,
    per_technique: int = 40,
    exclude: frozenset[str] = frozenset(),
) -> dict[str, str]:
    """Phrase -> technique id from (text, technique id) examples.

    ``exclude``: words that must not be part of a phrase (names of actors and software, which
    would tie a phrase to who did something rather than to what was done).
    """
    df: Counter[str] = Counter()
    by_technique: dict[str, Counter[str]] = defaultdict(Counter)
    for text, technique in examples:
        keys = {k for k in phrase_keys(clean_example(text)) if not exclude.intersection(k.split())}
        df.update(keys)
        by_technique[technique].update(keys)
    best: dict[str, tuple[str, int]] = {}
    for technique, counts in by_technique.items():
        for key, count in counts.items():
            if count >= min_count and count / df[key] >= min_precision and count > best.get(key, ("", 0))[1]:
                best[key] = (technique, count)
    chosen: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for key, (technique, count) in best.items():
        chosen[technique].append((count, key))
    phrases: dict[str, str] = {}
    for technique, items in chosen.items():
        for _, key in sorted(items, key=lambda item: (-item[0], item[1]))[:per_technique]:
            phrases[key] = technique
    return dict(sorted(phrases.items()))


def name_words(names: Iterable[str]) -> frozenset[str]:
    """The distinctive words of actor and software names (four letters or more, not everyday words)."""
    from unmask.extract.lexicon import COMMON_WORDS

    out: set[str] = set()
    for name in names:
        for _, _, word in words(name.lower()):
            if len(word) >= 4 and word not in COMMON_WORDS and word not in STOPWORDS:
                out.add(word)
    return frozenset(out)


def attack_name_words(attack: Any) -> frozenset[str]:
    """:func:`name_words` of every group, software and campaign name of parsed ATT&CK data."""
    names = [g.name for g in attack.groups.values()] + [a for g in attack.groups.values() for a in g.aliases]
    names += [s.name for s in attack.software.values()] + [
        a for s in attack.software.values() for a in s.aliases
    ]
    names += [c.name for c in attack.campaigns.values()]
    return name_words(names)
