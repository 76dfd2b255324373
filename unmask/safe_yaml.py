"""One guard for every YAML file unmask reads from users: case files and Sigma rules.

Safe loaders do not run code, but they do expand aliases: a few lines of nested
``*name`` references become billions of entries and hang whatever walks them.
Neither a case nor a rule has any use for aliases, so they are refused before
the file is loaded.
"""

from __future__ import annotations

import yaml

__all__ = ["first_alias"]


def first_alias(text: str) -> yaml.AliasEvent | None:
    """The document's first alias (its ``anchor`` and ``start_mark``), or None.

    Only the event stream is read (nothing is built); a syntax error is left for the loader to
    report.
    """
    if "&" not in text:  # an alias needs an anchor
        return None
    try:
        for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if isinstance(event, yaml.AliasEvent):
                return event
    except yaml.YAMLError:
        return None
    return None
