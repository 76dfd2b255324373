"""Guards for every YAML file unmask reads from users: case files and Sigma rules.

Safe loaders do not run code, but they do expand aliases: a few lines of nested
``*name`` references become billions of entries and hang whatever walks them.
Neither a case nor a rule has any use for aliases, so they are refused before
the file is loaded.  And a key given twice in one mapping, which YAML forbids and the
loaders take silently (the last one wins), changes what the file means: it is refused.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["PARSERS", "NoDuplicateKeys", "first_alias", "load_all_strict"]

# The safe loaders unmask parses with, fastest first: libyaml's when PyYAML was built with it (its
# wheels are), then the Python one, which reads what libyaml refuses (JSON's lone surrogate escapes)
# and whose messages are the ones documented.  Whatever one of them can read is read by it.
PARSERS: tuple[type[yaml.SafeLoader], ...] = (
    *((yaml.CSafeLoader,) if getattr(yaml, "__with_libyaml__", False) else ()),
    yaml.SafeLoader,
)


def first_alias(text: str) -> yaml.AliasEvent | None:
    """The document's first alias (its ``anchor`` and ``start_mark``), or None.

    Only the event stream is read (nothing is built); a syntax error is left for the loader to
    report.
    """
    if "&" not in text:  # an alias needs an anchor
        return None
    for parser in PARSERS:
        # A parser that cannot read the document may not say it has no alias: the next one (which
        # the loader falls back to) is asked too.
        try:
            for event in yaml.parse(text, Loader=parser):
                if isinstance(event, yaml.AliasEvent):
                    return event
            return None
        except yaml.YAMLError:
            continue
    return None


class NoDuplicateKeys:
    """A loader mixin: a key given twice in one mapping is an error naming it and its line, not a
    silent overwrite."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is not None and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc,no-any-return]


# Each of PARSERS with keys given twice refused.
_STRICT: tuple[type[yaml.SafeLoader], ...] = tuple(
    type(f"Strict{parser.__name__}", (NoDuplicateKeys, parser), {}) for parser in PARSERS
)


def load_all_strict(text: str) -> list[Any]:
    """Every document of ``text`` (safe, keys given twice refused), by the first of
    :data:`PARSERS` that reads them; the last one's error when none can."""
    for loader in _STRICT[:-1]:
        try:
            return list(yaml.load_all(text, Loader=loader))
        except yaml.YAMLError:
            continue
    return list(yaml.load_all(text, Loader=_STRICT[-1]))
