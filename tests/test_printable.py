from __future__ import annotations

import json
import sys
import unicodedata

from unmask.printable import has_unprintable, json_text, printable


def test_every_format_and_separator_character_is_shown_as_an_escape() -> None:
    # The bidirectional controls (U+061C among them), the zero-width ones, the byte order mark and
    # the line and paragraph separators: each shows a value as another, or breaks it unseen.
    for char, escape in (
        ("\u061c", "\\u061c"),
        ("\u200b", "\\u200b"),
        ("\u200c", "\\u200c"),
        ("\u200d", "\\u200d"),
        ("\u2060", "\\u2060"),
        ("\ufeff", "\\ufeff"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
        ("\U000e0041", "\\U000e0041"),  # a tag character, invisible
        # drawn as nothing, and dropped by IDNA from a name
        ("\u034f", "\\u034f"),
        ("\u180b", "\\u180b"),
        ("\u1806", "\\u1806"),
        ("\u3164", "\\u3164"),
    ):
        assert printable(f"ev{char}il") == f"ev{escape}il"
    # Every one Unicode names so, in the version this Python knows.
    hidden = [
        chr(code)
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) in ("Cf", "Zl", "Zp", "Cc") and chr(code) not in "\t\n"
    ]
    assert [hex(ord(c)) for c in hidden if printable(c) == c] == []
    assert all(has_unprintable(f"a{c}b") for c in hidden)
    assert printable("tab\tnew\nline é 例") == "tab\tnew\nline é 例" and not has_unprintable("例.example")


def test_json_text_writes_the_same_data_with_escapes() -> None:
    value = "a\u200bb\u2028c\U000e0041d\x85"
    text = json_text(json.dumps({"v": value}, ensure_ascii=False))
    assert json.loads(text) == {"v": value} and not has_unprintable(text)
    assert "\\udb40\\udc41" in text  # above U+FFFF, a surrogate pair as JSON writes it


def test_no_domain_is_shared_without_a_character_idna_drops() -> None:
    from unmask.detect.indicators import normalise

    for hidden in ("\u034f", "\ufe0f", "\u180b", "\u1806", "\u200b", "\u00ad"):
        assert normalise("domain", f"ev{hidden}il.example") is None, hex(ord(hidden))
    # an emoji's variation selector in a URL's path is part of that URL, and shown as written
    assert normalise("url", "https://evil.example/\u2764\ufe0f/x") == "https://evil.example/\u2764\ufe0f/x"
    assert printable("Love \u2764\ufe0f") == "Love \u2764\ufe0f"
    assert normalise("domain", "пример.укр") == "xn--e1afmkfd.xn--j1amh"
