"""Ctrl-C ends every command with `interrupted` and exit code 130, at any stage."""

from __future__ import annotations

import importlib.abc
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import pytest

import unmask.cli
from unmask.cli import interrupt


class _CtrlCOnImport(importlib.abc.MetaPathFinder):
    """Ctrl-C pressed while the commands' modules load (they take a second or more)."""

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> None:
        if fullname == "unmask.cli.commands":
            raise KeyboardInterrupt
        return None


@pytest.fixture
def entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    """main() as the script runs it, without touching the test process's signal handlers."""
    monkeypatch.setattr(signal, "signal", lambda *args: None)
    monkeypatch.setattr(interrupt, "_said", [])


def test_ctrl_c_while_the_commands_load_is_interrupted_not_a_traceback(
    entry_point: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delitem(sys.modules, "unmask.cli.commands", raising=False)
    monkeypatch.delattr(unmask.cli, "commands", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_CtrlCOnImport(), *sys.meta_path])
    monkeypatch.setattr(sys, "argv", ["unmask", "timeline", "case"])
    with pytest.raises(SystemExit) as stopped:
        unmask.cli.main()
    assert stopped.value.code == 130
    assert capsys.readouterr().err == "interrupted\n"


def test_ctrl_c_while_the_arguments_are_read_is_interrupted(
    entry_point: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from unmask.cli import commands

    class _Pressed:
        def print(self, *args: object, **kwargs: object) -> None:
            raise KeyboardInterrupt

    # --version is an eager option: its callback runs while Typer reads the arguments, before any
    # command (and its own handling of Ctrl-C) runs.
    monkeypatch.setattr(commands, "console", _Pressed())
    monkeypatch.setattr(sys, "argv", ["unmask", "--version"])
    with pytest.raises(SystemExit) as stopped:
        unmask.cli.main()
    assert stopped.value.code == 130
    assert capsys.readouterr().err.strip() == "interrupted"


def test_a_command_that_says_it_was_interrupted_is_not_said_twice(
    entry_point: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from unmask.cli import hunt

    def pressed(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(hunt, "load_case_dir", pressed)
    (tmp_path / "case.json").write_text("{}")
    monkeypatch.setattr(sys, "argv", ["unmask", "timeline", str(tmp_path)])
    with pytest.raises(SystemExit) as stopped:
        unmask.cli.main()
    assert stopped.value.code == 130
    assert capsys.readouterr().err == "interrupted\n"
