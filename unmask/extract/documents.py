"""Reading report files as text: plain text, Markdown, HTML and PDF.

Each reader returns the text and the problems met.  A file that is not text (binary junk
named ``.txt``), a PDF without a text layer, or text beyond :data:`MAX_TEXT_CHARS` is
reported with the file's name; what could be read is kept.
"""

from __future__ import annotations

import codecs
import html
import logging
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

from unmask.errors import IngestError, Location
from unmask.ingest.archive import is_archive
from unmask.ingest.base import UTF16_REPLACED, decode_utf16, sha256_file

__all__ = ["MAX_TEXT_CHARS", "Document", "read_document"]

MAX_TEXT_CHARS = 5_000_000  # about 1,000 pages, about 25 s to read; the rest of a bigger file is not read


@dataclass
class Document:
    path: Path
    sha256: str
    text: str
    format: str
    problems: list[str] = field(default_factory=list)
    cut: str | None = None  # how much of a text bigger than the limit was read, when it was cut


class _TextOnly(HTMLParser):
    """The visible text of an HTML page (scripts, styles and markup dropped)."""

    _SKIP: ClassVar[set[str]] = {"script", "style", "noscript", "template", "svg"}
    _BLOCK: ClassVar[set[str]] = {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "pre",
        "table",
    }
    # A table's cells stay on their row's line, as in Markdown ("| T1486 | not observed |"), so
    # that what one cell says of another is read in one sentence; a row is a paragraph.
    _CELL: ClassVar[set[str]] = {"td", "th"}

    _HEADINGS: ClassVar[dict[str, int]] = {f"h{n}": n for n in range(1, 7)}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.depth = 0
        self.cells: list[str] = []  # the kinds of cell of the row being read ("th", "td")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.depth += 1
        elif tag in self._HEADINGS:
            # A heading is written as Markdown writes it, so that its section is known ("<h2>References").
            self.parts.append("\n\n" + "#" * self._HEADINGS[tag] + " ")
        elif tag in self._BLOCK:
            self.parts.append("\n\n" if tag == "tr" else "\n")
            if tag == "tr":
                self.cells = []
        elif tag in self._CELL:
            self.parts.append(" | ")
            self.cells.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self.depth:
            self.depth -= 1
        elif tag in self._HEADINGS:
            self.parts.append("\n\n")
        elif tag == "tr" and self.cells and all(cell == "th" for cell in self.cells):
            # A row of header cells is a header, as Markdown marks one ("| Type | Value | Comment |").
            self.parts.append("\n| --- |\n")
            self.cells = []
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.parts.append(data)


def _html_text(raw: str) -> str:
    parser = _TextOnly()
    parser.feed(raw)
    parser.close()
    return html.unescape("".join(parser.parts))


def _pdf_text(path: Path, problems: list[str]) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    # pypdf logs what it repairs ("EOF marker not found") to stderr; what matters is said below.
    logging.getLogger("pypdf").setLevel(logging.ERROR)

    try:
        reader = PdfReader(str(path))
        pages = []
        for number, page in enumerate(reader.pages, start=1):
            try:
                pages.append(page.extract_text() or "")
            except Exception as exc:
                problems.append(f"{path}: page {number}: text could not be read ({type(exc).__name__})")
    except (PdfReadError, OSError, ValueError) as exc:
        raise IngestError(f"not a readable PDF: {exc}", Location(path)) from None
    text = "\n\n".join(pages)
    if not text.strip():
        problems.append(f"{path}: the PDF has no text layer (a scan?); nothing to extract")
    return text


def read_document(path: Path, max_chars: int = MAX_TEXT_CHARS) -> Document:
    """The text of a report file, by its content (PDF, HTML) or else as text: at most
    ``max_chars`` characters of it (:attr:`Document.cut` says so when there was more)."""
    read_bytes = max_chars * 2
    try:
        with path.open("rb") as handle:
            raw = handle.read(read_bytes + 1)
        size = path.stat().st_size
    except FileNotFoundError:
        raise IngestError("file not found", Location(path)) from None
    except IsADirectoryError:
        raise IngestError(
            "is a folder: extract reads report files (give the files, e.g. folder/*.pdf; hunt reads folders of logs)",
            Location(path),
        ) from None
    except OSError as exc:
        raise IngestError(f"cannot read: {exc.strerror}", Location(path)) from None
    digest = sha256_file(path)
    problems: list[str] = []
    if raw.startswith(b"%PDF"):
        text = _blank_controls(_pdf_text(path, problems))
        return Document(
            path, digest, text[:max_chars], "pdf", problems, _cut_note(path, size, len(text), max_chars)
        )
    cut = size > read_bytes
    if cut:
        raw = raw[:read_bytes]
    decoded = decode_utf16(raw)
    if decoded is not None:
        raw, replaced = decoded
        # A read cut at an odd byte, or a file cut short, ends in half a character.
        problems.append(
            f"{path}: UTF-16 text converted to UTF-8" + (f"; {UTF16_REPLACED}" if replaced else "")
        )
    sample = raw[:8192]
    archive = is_archive(raw[:512], path)
    if archive is not None:  # a stored (uncompressed) zip holds its files' text: still not a report
        raise IngestError(f"a {archive} archive, not a text report (txt, md, html or pdf)", Location(path))
    if sample and _binary_share(sample) > 0.1:
        raise IngestError("binary data, not a text report (txt, md, html or pdf)", Location(path))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if cut and exc.start >= len(raw) - 3:  # the read stopped inside a character
            text = raw[: exc.start].decode("utf-8", errors="replace")
        else:  # "Genève" in Latin-1: the bytes that are not UTF-8 read as the Windows code page
            text = raw.decode("utf-8", errors=_CP1252_FALLBACK)
            problems.append(
                f"{path}: not all UTF-8 (first at byte {exc.start:,}); those bytes read as Windows-1252 (Latin-1)"
            )
    head = text[:2048].lower()
    if path.suffix.lower() in (".html", ".htm") or "<html" in head or "<!doctype html" in head:
        body = _blank_controls(_html_text(text))
        _some_text(body, path)
        note = _cut_note(path, size, len(body), max_chars, cut)
        return Document(path, digest, body[:max_chars], "html", problems, note)
    note = _cut_note(path, size, len(text), max_chars, cut)  # one message, however the text was cut
    text = _blank_controls(text)
    _some_text(text, path)
    fmt = "md" if path.suffix.lower() in (".md", ".markdown") else "txt"
    if fmt == "md":
        # Emphasis marks only: a mark that opens after a space and closes before one (stage_one_loader.bin
        # and john_smith@x keep their underscores). Blanked, not removed: offsets stay the file's.
        text = re.sub(
            r"(?<![\w/.@:-])([*_`]{1,3})(?=\S)([^*_`\n]+?)(?<=\S)\1(?![\w/@-]|\.\w)",
            lambda m: " " * len(m.group(1)) + m.group(2) + " " * len(m.group(1)),
            text,
        )
    return Document(path, digest, text[:max_chars], fmt, problems, note)


# Terminal escape sequences (colour: ESC [ 0 m; character sets: ESC ( B; titles: ESC ] ... BEL,
# on one line and ended: a title cut off loses only its ESC ]) and the other control characters
# a pasted console log carries (tab, line and page breaks aside).
_CONTROLS = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b\n]{0,200}(?:\x07|\x1b\\)|\x1b[()*+\-./#%][\x30-\x7e]|\x1b[@-_]?|[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]"
)


def _blank_controls(text: str) -> str:
    """``text`` with escape sequences and control characters blanked (spaces, so offsets stay the
    file's): ``ESC[0m.com`` read as a domain was ``0m.com``; the escape is no part of any value."""
    return _CONTROLS.sub(lambda m: " " * len(m.group(0)), text) if _CONTROLS.search(text) else text


def _cut_note(path: Path, size: int, length: int, max_chars: int, cut: bool = False) -> str | None:
    """What a text cut at ``max_chars`` characters says of it (None when it was read whole)."""
    if length <= max_chars and not cut:
        return None
    read = min(length, max_chars)
    return (
        f"{path}: {size:,} bytes; only the first {read:,} characters of its text were read "
        "(unmask extract --max-chars N reads more)"
    )


def _cp1252(error: UnicodeError) -> tuple[str, int]:
    """A codec error handler: the bytes UTF-8 cannot read, read as Windows-1252 (a report that is
    UTF-8 but for one pasted Latin-1 word keeps the rest of its text as it is)."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return bytes(bad).decode("cp1252", errors="replace"), error.end


_CP1252_FALLBACK = "unmask-cp1252"
codecs.register_error(_CP1252_FALLBACK, _cp1252)


def _some_text(text: str, path: Path) -> None:
    """An empty report is an input error, not a report that says nothing."""
    if not text.strip():
        raise IngestError(
            "no text to read (an empty file, or HTML with no text outside its scripts)", Location(path)
        )


def _binary_share(sample: bytes) -> float:
    """The share of a sample that is control bytes or not UTF-8 (text has almost none)."""
    text = sample.decode("utf-8", errors="replace")
    bad = sum(1 for ch in text if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\t\n\r\f"))
    return bad / max(len(text), 1)
