from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.synthetic import three_groups
from unmask.attribute.engine import attribute_case
from unmask.knowledge.store import KnowledgeBase, load_kb
from unmask.model import Case, Observation, ObservationKind, Provenance
from unmask.report.html import ReportInput, render_html, render_pdf

HOSTILE = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>"


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    three_groups(tmp_path / "kb")
    return load_kb()


def _data(kb: KnowledgeBase) -> ReportInput:
    prov = Provenance(source=f"evil{HOSTILE}.evtx", sha256="ab" * 32, record=HOSTILE, text=HOSTILE)
    observations = [
        Observation(
            ObservationKind.TECHNIQUE,
            "T1301",
            host=HOSTILE,
            phase=HOSTILE,
            first_seen="2024-03-01T10:00:00Z",
            provenance=prov,
        ),
        Observation(
            ObservationKind.TECHNIQUE,
            "T1302",
            host="ws02",
            first_seen="2024-03-01T12:00:00Z",
            provenance=prov,
        ),
        Observation(ObservationKind.SOFTWARE, "S0301", provenance=prov),
        Observation(ObservationKind.INFRASTRUCTURE, HOSTILE, subtype="domain", provenance=prov),
        Observation(ObservationKind.VICTIM, HOSTILE, subtype="sector", provenance=prov),
    ]
    case = Case(
        id=f"c{HOSTILE}",
        title=f"Title {HOSTILE}",
        observations=observations,
        notes=[HOSTILE],
        evidence={HOSTILE: "cd" * 32},
    )
    assessment = attribute_case(case, kb)
    findings = [{"time": "2024-03-01T10:00:00Z", "host": HOSTILE, "title": HOSTILE, "level": "high"}]
    return ReportInput(case, assessment, kb, findings)


def test_every_evidence_string_is_escaped_and_nothing_loads_from_outside(kb: KnowledgeBase) -> None:
    html = render_html(_data(kb))
    assert "<script" not in html.lower()
    assert "<img" not in html.lower() and "onerror=alert" not in html.replace("onerror=alert(2)&gt;", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), "external load"
    assert "@import" not in html and "url(" not in html
    assert "cd" * 32 in html  # an evidence file's whole SHA-256, for the record a court may need


def test_report_has_every_section_and_drawn_charts(kb: KnowledgeBase) -> None:
    data = _data(kb)
    html = render_html(data)
    for section in (
        "assessment",
        "hypotheses",
        "matrix",
        "timeline",
        "ach",
        "evidence",
        "guide",
        "provenance",
    ):
        assert f'id="{section}"' in html, section
    assert html.count("<svg") >= 3  # group bars, sponsor bars, timeline
    assert html.count("<rect") >= len(data.assessment.groups[:10])
    assert "<circle" in html  # timeline points
    leading = next(h for h in data.assessment.groups if h.kind == "actor")
    assert leading.label in html and data.assessment.summary.split(",")[0] in html
    assert 'class="cell case"' in html or 'class="cell both"' in html


def _needs_weasyprint() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*HarfBuzz.*", category=DeprecationWarning)
        try:
            import weasyprint  # noqa: F401
        except OSError as exc:  # the system's Pango libraries are missing
            pytest.skip(f"skipped: WeasyPrint cannot load its system libraries: {exc}")


def test_pdf_pages_are_not_blank(kb: KnowledgeBase, tmp_path: Path) -> None:
    _needs_weasyprint()
    import pypdfium2 as pdfium

    target = tmp_path / "r.pdf"
    render_pdf(_data(kb), target)
    document = pdfium.PdfDocument(str(target))
    assert len(document) >= 2
    for index in range(min(len(document), 3)):
        image = document[index].render(scale=0.5).to_pil().convert("L")
        histogram = image.histogram()  # 256 grey levels
        dark = sum(histogram[:200])
        assert dark / (image.width * image.height) > 0.005, f"page {index + 1} looks blank"
    # The marking and the page number on every page, not only on the first.
    for index in range(len(document)):
        text = document[index].get_textpage().get_text_range()
        assert "TLP:AMBER" in text and f"page {index + 1} of {len(document)}" in text, index


def test_markdown_report_escapes_and_has_the_evidence(kb: KnowledgeBase) -> None:
    from unmask.report.markdown import case_markdown

    data = _data(kb)
    text = case_markdown(data.case, data.assessment)
    assert "<script>" not in text and "\\<script\\>" in text
    assert "## Evidence" in text and "## Provenance" in text and "## Groups" in text
    assert "## How to read this report" in text and "| roughly even chance | 45–55 % |" in text
    assert "- parameters: smoothing = " in text  # not a Python dict
    assert text.count("\n| ") >= len(data.case.observations)
    # The evidence names a technique or a program as well as giving its id.
    named = case_markdown(data.case, data.assessment, kb=kb)
    technique = next(o for o in data.case.observations if o.kind is ObservationKind.TECHNIQUE)
    assert f"| {technique.value} {kb.techniques[technique.value].name} |" in named


def test_control_and_direction_characters_are_shown_as_escapes(kb: KnowledgeBase) -> None:
    from unmask.report.markdown import case_markdown

    sneaky = "inv\u202efdp.exe\x1b]0;pwned\x07\x1b[2J\x00 ev\u200bil Mimi\u200dkatz x\u061cy\ufeff\u2028"
    prov = Provenance(source=sneaky, text=sneaky)
    case = Case(
        id=f"c{sneaky}",
        title=sneaky,
        observations=[
            Observation(ObservationKind.TECHNIQUE, "T1301", host=sneaky, provenance=prov),
            Observation(ObservationKind.INFRASTRUCTURE, sneaky, subtype="domain", provenance=prov),
        ],
    )
    assessment = attribute_case(case, kb)
    # The timeline chart draws its lanes (hosts) as SVG text: the same escapes there.
    findings = [{"time": "2024-03-01T10:00:00Z", "host": sneaky, "title": sneaky, "level": "high"}]
    for text in (render_html(ReportInput(case, assessment, kb, findings)), case_markdown(case, assessment)):
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u061c\u200b-\u200f\u2028-\u202e\ufeff]", text)
        assert "\\u202e" in text and "\\x1b" in text and "u200bil" in text and "u061cy" in text


def test_the_report_says_which_knowledge_base_view_it_used(kb: KnowledgeBase) -> None:
    data = _data(kb)
    data.assessment.provenance["kb_view"] = {
        "without_campaigns": ["C0038"],
        "without_citations": [],
        "without_actors": [],
    }
    html = render_html(data)
    assert "Knowledge base view:" in html and "C0038" in html


def test_a_very_long_value_is_shown_clipped() -> None:
    from unmask.printable import SHOWN_CHARS, clip

    assert clip("short") == "short"
    long = "A" * 20_000
    shown = clip(long)
    assert shown.startswith("A" * SHOWN_CHARS) and shown.endswith("(20,000 characters)")


def test_the_judgement_and_warnings_are_shown_whole(kb: KnowledgeBase) -> None:
    data = _data(kb)
    data.assessment.summary = "A judgement. " * 60 + "The last words."
    data.assessment.warnings = ["A warning. " * 50 + "Its end."]
    html = render_html(data)
    assert "The last words." in html and "Its end." in html
    assert "characters)" not in html.split("Evidence")[0]


def test_the_markdown_report_clips_long_values_too(kb: KnowledgeBase) -> None:
    from unmask.report.markdown import case_markdown

    long = "a" * 320
    case = Case(
        id="c",
        title="t",
        observations=[Observation(ObservationKind.TECHNIQUE, "T1301", provenance=Provenance(source=long))],
    )
    text = case_markdown(case, attribute_case(case, kb))
    assert long not in text and "(320 characters)" in text
    # A note is clipped too (at 1,000 characters: unmask's own notes quote values), in both formats.
    case.notes = ["n" * 100_000]
    assessment = attribute_case(case, kb)
    assert "(100,000 characters)" in case_markdown(case, assessment) and "n" * 1_001 not in case_markdown(
        case, assessment
    )
    page = render_html(ReportInput(case, assessment, kb))
    assert "(100,000 characters)" in page and "n" * 1_001 not in page


def test_the_report_lists_the_first_observations_and_says_where_the_rest_are(kb: KnowledgeBase) -> None:
    from unmask.report.markdown import EVIDENCE_ROWS, case_markdown

    prov = Provenance(source="/very/long/folder/of/evidence/Security.evtx", sha256="ab" * 32, record="7")
    observations = [
        Observation(ObservationKind.INFRASTRUCTURE, f"10.0.{n // 250}.{n % 250}", "ip", provenance=prov)
        for n in range(EVIDENCE_ROWS + 25)
    ]
    case = Case(
        id="c", title="t", observations=[Observation(ObservationKind.TECHNIQUE, "T1301"), *observations]
    )
    assessment = attribute_case(case, kb)
    html = render_html(ReportInput(case, assessment, kb, []))
    assert f"The first {EVIDENCE_ROWS} of {EVIDENCE_ROWS + 26} observations; the other 26" in html
    assert (
        ">Security.evtx<" in html
        and "/very/long/folder" not in html.split('id="evidence"')[1].split("</table>")[0]
    )
    assert "the other 26 are in the case" in case_markdown(case, assessment)


def test_items_nothing_could_be_compared_with_stay_out_of_the_shown_matrix(kb: KnowledgeBase) -> None:
    from unmask.report.markdown import case_markdown

    base = _data(kb)
    base.case.observations.append(Observation(ObservationKind.TIMING, "2024-03-01"))  # a date: no KB data
    data = ReportInput(base.case, attribute_case(base.case, kb), kb, base.findings)
    compared = [r for r in data.assessment.ach if "note" not in r]
    assert len(compared) < len(data.assessment.ach)
    text = case_markdown(data.case, data.assessment)
    matrix = text.split("## Analysis of competing hypotheses", 1)[1].split("\n\n", 2)[1]
    assert len([line for line in matrix.splitlines() if line.startswith("| ")]) == len(compared) + 1
    html = render_html(data)
    assert html.split('id="ach"', 1)[1].split("</table>", 1)[0].count("<tr>") == len(compared) + 1


def test_the_matrix_names_no_suspect_when_the_assessment_names_none(kb: KnowledgeBase) -> None:
    thin = Case(id="t", title="t", observations=[Observation(ObservationKind.TECHNIQUE, "T1001")])
    assessment = attribute_case(thin, kb)
    assert assessment.groups[0].kind != "actor" or assessment.groups[0].probability < 0.45
    page = render_html(ReportInput(thin, assessment, kb))
    assert "the case against" not in page and "the assessment names no actor" in page
    assert "none above &lt;" not in page and "none above <" not in assessment.summary
    named = Case(
        id="n",
        title="n",
        observations=[
            *(Observation(ObservationKind.TECHNIQUE, t) for t in ("T1301", "T1302", "T1303")),
            *(Observation(ObservationKind.SOFTWARE, s) for s in ("S0301", "S0302")),
        ],
    )
    assert "the case against Gamma" in render_html(ReportInput(named, attribute_case(named, kb), kb))


def test_the_evidence_table_keeps_its_columns_and_shows_whole_seconds(kb: KnowledgeBase) -> None:
    from dataclasses import replace

    data = _data(kb)
    first, second = data.case.observations[:2]
    data.case.observations[:2] = [
        replace(first, first_seen="2024-03-01T10:00:00.250000Z"),
        replace(second, first_seen="2024-03-01T12:00:00.000000Z"),
    ]
    table = render_html(data).split('<section id="evidence">', 1)[1].split("</table>", 1)[0]
    assert '<table class="evidence">' in table  # fixed layout: a long command line wraps in its cell
    assert "<td>2024-03-01T12:00:00Z</td>" in table and "<td>2024-03-01T10:00:00.250000Z</td>" in table


def test_every_table_of_the_pdf_fits_the_page(kb: KnowledgeBase, tmp_path: Path) -> None:
    _needs_weasyprint()
    import pypdfium2 as pdfium

    # Long sentences and tokens with nowhere to break (a hash, a URL, a path), in every column.
    token = "f" * 64
    url = "hxxps://cdn-" + "x" * 80 + ".example.com/a/b/c/d/e/f/g/payload.bin?id=" + "9" * 40
    sentence = "1 finding(s) of: PsExec Service Execution; first: CommandLine=" + url + " " + token
    prov = Provenance(source=f"{token}.evtx", sha256="ab" * 32, record=token, text=sentence)
    case = Case(
        id="wide",
        title="wide",
        observations=[
            Observation(
                ObservationKind.TECHNIQUE,
                technique,
                host=f"{token}.corp.example",
                phase=token,
                first_seen="2024-03-01T10:00:00Z",
                provenance=prov,
            )
            for technique in ("T1301", "T1302", "T1303")
        ]
        + [Observation(ObservationKind.INFRASTRUCTURE, url, subtype="url", provenance=prov)],
        evidence={f"C:\\{token}\\{token}\\Security.evtx": "cd" * 32},
    )
    target = tmp_path / "r.pdf"
    render_pdf(ReportInput(case, attribute_case(case, kb), kb), target)
    document = pdfium.PdfDocument(str(target))
    for index in range(len(document)):
        page = document[index]
        width = page.get_width()
        text = page.get_textpage()
        rights = [text.get_charbox(c)[2] for c in range(text.count_chars())]
        # The pages' side margins are 1.2 cm (34 pt) or more: text stays clear of the paper's edge
        # (the evidence table's last column was drawn at x = 887 pt on a page 842 pt wide).
        assert max(rights, default=0) < width - 20, (
            f"page {index + 1}: text at {max(rights):.0f} of {width:.0f} pt"
        )


def test_chart_labels_keep_their_start_and_end_cleanly() -> None:
    _needs_weasyprint()
    import pypdfium2 as pdfium
    import weasyprint

    from unmask.report.charts import bar_chart, timeline_chart

    whole = "WIN-5823BM4EN8O.mahdihtm.local"  # 30 characters, most of them wide
    endless = "WIN-" + "MW" * 40 + ".corp.example"
    wide = "\u2031" * 18  # DejaVu's widest glyph, 1.74 em
    charts = timeline_chart(
        [
            (whole, "2024-03-01T10:00:00Z", "a"),
            (endless, "2024-03-02T10:00:00Z", "b"),
            (wide, "2024-03-03T10:00:00Z", "c"),
        ]
    ) + bar_chart([("W" * 60, 0.5), ("Gamma", 0.25)])
    page = f"<style>@page {{ size: 900px 900px; margin: 0 }} body {{ margin: 0 }}</style>{charts}"
    document = pdfium.PdfDocument(weasyprint.HTML(string=page).write_pdf())
    text = document[0].get_textpage()
    lefts = [text.get_charbox(c)[0] for c in range(text.count_chars())]
    # Right-aligned before its lane or bar, a long label's start ran past the chart's left edge
    # and was cut off (")4246w-win10.threebeesco.com"); now it fits, or ends with an ellipsis.
    assert min(lefts) >= 0, f"a label starts at x = {min(lefts):.1f}"
    shown = text.get_text_range()
    assert whole in shown
    assert re.search(r"WIN-(MW)+M?…", shown) and "WWWWW…" in shown and "Gamma" in shown
    assert f"<title>{endless}</title>" in charts  # the whole name where the lane shows it shortened


def test_the_timeline_chart_clips_its_hosts_and_labels_as_the_report_does() -> None:
    from unmask.report.charts import bar_chart, timeline_chart

    host, label = "B" * 50_000, "L" * 50_000
    charts = timeline_chart([(host, "2024-03-01T10:00:00Z", label), ("ws01", "2024-03-01T11:00:00Z", "x")])
    charts += bar_chart([("G" * 50_000, 0.5)])
    for char in "BLG":
        assert char * 300 in charts and char * 301 not in charts, char
    assert charts.count("(50,000 characters)") >= 3 and "ws01" in charts and len(charts) < 10_000


def test_character_references_in_markdown_are_shown_as_written(kb: KnowledgeBase) -> None:
    from markdown_it import MarkdownIt

    from unmask.report.markdown import case_markdown, md_escape

    written = "name &rlm;&ZeroWidthSpace;&#x202E; and &amp;lt;b&amp;gt; AT&T"
    case = Case(
        id="c",
        title=written,
        observations=[Observation(ObservationKind.TECHNIQUE, "T1301", host=written)],
    )
    rendered = MarkdownIt("commonmark").render(case_markdown(case, attribute_case(case, kb)))
    # Rendered, the title reads as the case wrote it: no mark decoded, no reference resolved.
    heading = rendered.splitlines()[0]
    assert (
        heading
        == "<h1>name &amp;rlm;&amp;ZeroWidthSpace;&amp;#x202E; and &amp;amp;lt;b&amp;amp;gt; AT&amp;T</h1>"
    )
    assert not re.search("[\u200b\u200e\u200f\u202e]", rendered)
    assert md_escape("a & b") == "a \\& b"


def test_the_evidence_table_shortens_only_the_paths_of_files_unmask_read(kb: KnowledgeBase) -> None:
    sources = [
        Provenance(source="Partner report 2023/05 (TLP:AMBER)"),  # a case file's words
        Provenance(source="https://cert.example/advisories/2023-05-report"),
        Provenance(source="/cases/acme/logs/sysmon.evtx", sha256="ab" * 32, record="7"),  # a hunt's
    ]
    case = Case(
        id="c",
        title="t",
        observations=[
            Observation(ObservationKind.TECHNIQUE, technique, provenance=prov)
            for technique, prov in zip(("T1301", "T1302", "T1303"), sources, strict=True)
        ],
    )
    html = render_html(ReportInput(case, attribute_case(case, kb), kb))
    cells = re.findall(r'<td class="mono">([^<]*)</td>', html)
    assert "Partner report 2023/05 (TLP:AMBER)" in cells
    assert "https://cert.example/advisories/2023-05-report" in cells
    assert "sysmon.evtx" in cells and "/cases/acme/logs/sysmon.evtx" not in cells


def test_the_pdf_loads_nothing_but_data_urls(
    kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _needs_weasyprint()
    import pypdfium2 as pdfium

    from unmask.report import html as report_html

    # Were a template to let a value become a URL, the PDF must neither read a local file nor
    # request a server (the same fetcher refuses http: as it refuses file:, before any request).
    sheet = tmp_path / "leak.css"
    sheet.write_text('body::after { content: "LEAKED-FILE" }')
    page = (
        f'<html><head><link rel="stylesheet" href="{sheet.as_uri()}"></head><body><p>report</p>'
        '<img src="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 width=%2210%22 height=%2210%22/%3E">'
        "</body></html>"
    )
    monkeypatch.setattr(report_html, "render_html", lambda data: page)
    target = tmp_path / "r.pdf"
    report_html.render_pdf(_data(kb), target)
    text = pdfium.PdfDocument(str(target))[0].get_textpage().get_text_range()
    assert "report" in text and "LEAKED-FILE" not in text
    fetcher = report_html.data_only_fetcher()
    for url in ("http://127.0.0.1:9/x", "file:///etc/passwd", "ftp://example.invalid/x"):
        with pytest.raises(ValueError):
            fetcher(url)
