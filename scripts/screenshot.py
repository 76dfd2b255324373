"""Render the first pages of the demo report to PNG for the README.

    python scripts/screenshot.py [unmask-demo] [docs/images]

Runs the demo into the given folder when it has no report yet, prints the report to PDF with
WeasyPrint and turns the first two pages into PNG images with pypdfium2.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    demo = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "unmask-demo"
    images = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "docs" / "images"
    if not (demo / "case" / "case.json").exists():
        subprocess.run(
            [sys.executable, "-m", "unmask", "demo", "--out", str(demo)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    pdf = demo / "report.pdf"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "unmask",
            "report",
            str(demo / "case"),
            "--format",
            "pdf",
            "-o",
            str(pdf),
            "--kb-without",
            "C0038",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    import pypdfium2 as pdfium

    images.mkdir(parents=True, exist_ok=True)
    document = pdfium.PdfDocument(str(pdf))
    for index in range(min(2, len(document))):
        target = images / f"report-page{index + 1}.png"
        document[index].render(scale=1.2).to_pil().save(target)
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
