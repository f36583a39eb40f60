"""The GUI's command line: the plain forms read directly mean what argparse makes of them; the rest goes to
argparse (help, --version, mistakes)."""

from __future__ import annotations

import argparse

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knockgui.gui import app
from knockgui.gui.app import build_parser, parse_args

TOKENS = [
    "--config-dir",
    "--config-dir=/tmp/k",
    "--config-dir=",
    "--demo",
    "--tray",
    "--demo=1",
    "--knock",
    "--knock=core",
    "--connect",
    "--connect=edge",
    "--conf",
    "--self-test",
    "--help",
    "-h",
    "--",
    "-x",
    "/tmp/k",
    "core-1",
    "knockgui://connect/Core-1",
    "winbox://10.0.0.1",
    "",
    "-1",
]


def argparse_result(argv: list[str]) -> argparse.Namespace | None:
    try:
        return build_parser().parse_args(argv)
    except SystemExit:
        return None


def read_directly(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> argparse.Namespace | None:
    """parse_args without its argparse fallback: what it read itself, or None when it handed over."""
    handed: list[list[str]] = []

    class Refuse:
        def parse_args(self, args: list[str]) -> None:
            handed.append(args)

    monkeypatch.setattr(app, "build_parser", Refuse)
    result = parse_args(argv)
    return None if handed else result


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--config-dir", "/tmp/k"],
        ["--config-dir=/tmp/k", "--demo"],
        ["--knock", "core-1"],
        ["--connect=edge", "--config-dir", "/srv/kg"],
        ["knockgui://connect/Core-1"],
        ["--config-dir", "/tmp/k", "winbox://10.0.0.1"],
        ["--tray"],
        ["--tray", "--config-dir", "/tmp/k"],
    ],
)
def test_plain_command_lines_are_read_directly_as_argparse_reads_them(argv, monkeypatch) -> None:
    expected = argparse_result(argv)
    assert expected is not None
    assert read_directly(argv, monkeypatch) == expected


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["--version"],
        ["--demo", "--demo"],
        ["--tray", "--tray"],
        ["--knock", "a", "--connect", "b"],
        ["--config-dir"],
        ["--config-dir", "--demo"],
        ["--conf", "/tmp/k"],
        ["link-a", "link-b"],
        ["--", "x"],
    ],
)
def test_anything_unusual_goes_to_argparse(argv, monkeypatch) -> None:
    assert read_directly(argv, monkeypatch) is None


@given(st.lists(st.sampled_from(TOKENS), max_size=5))
def test_whatever_is_read_directly_agrees_with_argparse(argv: list[str]) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        direct = read_directly(argv, monkeypatch)
    if direct is not None:
        assert argparse_result(argv) == direct, argv


def test_a_mistake_is_argparse_sentence_and_exit_2(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_args(["--knock", "a", "--connect", "b"])
    assert exited.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
