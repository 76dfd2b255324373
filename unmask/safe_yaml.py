"""One guard for every YAML file unmask reads from users: case files and Sigma rules.

Safe loaders do not run code, but they do expand aliases: a few lines of nested
``*name`` references become billions of entries and hang whatever walks them.
Neither a case nor a rule has any use for aliases, so they are refused before
the file is loaded.
"""

from __future__ import annotations

import yaml

__all__ = ["PARSERS", "first_alias"]

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
