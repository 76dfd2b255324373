"""The demo report in a real browser (headless Chromium, installed by `make conformance`).

The page must load with nothing on the console (no script errors, no blocked loads: the report
forbids every external load in its Content-Security-Policy, so a stray one would show here), the
charts must be in the rendered DOM, and the screenshot must not be blank.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from unmask.demo.run import run_demo


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("skipped: no Chromium (make conformance installs the Debian package chromium)")


def _open(browser: str, page: Path, *extra: str) -> tuple[str, list[str]]:
    result = subprocess.run(
        [
            browser,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            *extra,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    return result.stdout, console


def test_the_console_check_can_fail(tmp_path: Path) -> None:
    browser = _chromium()
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src \'none\'">'
        '</head><body><img src="http://example.invalid/x.png"></body></html>'
    )
    _, console = _open(browser, page, "--dump-dom")
    assert console, "a blocked external load should reach the console"


def test_demo_report_loads_cleanly_with_its_charts(real_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    browser = _chromium()
    result = run_demo(tmp_path / "demo", real_kb)
    report = result.outputs["report"]
    dom, console = _open(browser, report, "--dump-dom")
    assert console == [], console
    assert dom.count("<svg") >= 3 and dom.count("<rect") >= 5 and "<circle" in dom
    shot = tmp_path / "shot.png"
    _open(browser, report, f"--screenshot={shot}", "--window-size=1200,1600")
    from PIL import Image

    image = Image.open(shot).convert("L")
    histogram = image.histogram()
    assert sum(histogram[:200]) / (image.width * image.height) > 0.01, "the page looks blank"
