"""`knockgui-cli add/edit/show/connect` with several services (issue 11), in process with an in-memory
keyring; the editor and the CLI refuse the same values with the same sentence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knockgui.core.model import Router, Service, ServiceSpec
from knockgui.core.secrets import MemorySecretStore
from knockgui.core.store import FILE_NAME
from tests.cli.inprocess import run, use_memory_keyring

SEQ = "23456:tcp 34567:udp"


@pytest.fixture(autouse=True)
def memory(monkeypatch: pytest.MonkeyPatch) -> MemorySecretStore:
    return use_memory_keyring(monkeypatch)


def saved(config_dir: Path) -> dict[str, dict[str, object]]:
    return {e["name"]: e for e in json.loads((config_dir / FILE_NAME).read_text())["routers"]}


def test_add_with_several_services_then_edit_replaces_the_list(
    config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "add", "HQ", "--host", "10.0.0.1", "--sequence", SEQ, "--service", "winbox", "--service", "ssh:2222"
    )
    assert (code, err) == (0, "") and "winbox port 8291, ssh port 2222" in out
    assert saved(config_dir)["HQ"]["services"] == [{"kind": "winbox"}, {"kind": "ssh", "port": 2222}]
    code, out, _ = run(capsys, "show", "HQ")
    assert "service: winbox port 8291 (default)" in out and "service: ssh port 2222\n" in out
    code, out, _ = run(capsys, "list")
    assert "ssh:2222" in out.splitlines()[1]
    assert run(capsys, "edit", "HQ", "--default-service", "ssh")[0] == 0
    assert saved(config_dir)["HQ"]["services"] == [{"kind": "ssh", "port": 2222}, {"kind": "winbox"}]
    assert run(capsys, "edit", "HQ", "--service", "webfig-https", "--port", "8443")[0] == 0
    assert saved(config_dir)["HQ"]["services"] == [{"kind": "webfig-https", "port": 8443}]
    code, _, err = run(capsys, "edit", "HQ", "--service", "custom", "--command", "kgclient {host} {port}")
    assert code == 0, err
    assert saved(config_dir)["HQ"]["services"] == [{"kind": "custom", "command": "kgclient {host} {port}"}]


def test_add_and_edit_take_the_editors_other_options(config_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys,
        *("add", "R", "--host", "r.example", "--sequence", SEQ, "--final-timeout", "1h30m", "--keep-open", "600"),
        *("--by-name", "--pass-password", "--user", "admin"),
    )
    assert code == 0, err
    entry = saved(config_dir)["R"]
    assert (entry["final_timeout_s"], entry["keep_open_s"], entry["connect_by_name"], entry["pass_password"]) == (
        5400,
        600,
        True,
        True,
    )
    assert run(capsys, "edit", "R", "--keep-open", "0", "--no-by-name", "--final-timeout", "10800")[0] == 0
    entry = saved(config_dir)["R"]
    assert "keep_open_s" not in entry and "connect_by_name" not in entry and "final_timeout_s" not in entry


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (("--service", "gopher"), "The service must be one of"),
        (("--service", "ssh:0"), "1 to 65535"),
        (("--service", "ssh", "--service", "ssh:22"), "listed twice"),
        (("--command", "x {host}"), "--command is for a custom service"),
        (("--final-timeout", "3 hours"), "--final-timeout takes seconds or a duration"),
        (("--final-timeout", "5"), "final timeout (s) must be a whole number from 10"),
        (("--keep-open", "5"), "keep-open interval (s) must be a whole number from 10"),
        (("--keep-open", "20000"), "must be shorter than the router's final timeout"),
        (("--default-service", "telnet"), "has no telnet service"),
    ],
)
def test_bad_service_options_are_one_sentence_and_change_nothing(
    config_dir: Path, capsys: pytest.CaptureFixture[str], options: tuple[str, ...], words: str
) -> None:
    assert run(capsys, "add", "HQ", "--host", "10.0.0.1", "--sequence", SEQ)[0] == 0
    before = (config_dir / FILE_NAME).read_bytes()
    code, out, err = run(capsys, "edit", "HQ", *options)
    assert code == 2 and out == ""
    assert words in err and err.count("\n") == 1 and "Traceback" not in err
    assert (config_dir / FILE_NAME).read_bytes() == before


def test_connect_names_a_service_the_router_does_not_have(config_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "add", "HQ", "--host", "10.0.0.1", "--sequence", SEQ)[0] == 0
    code, out, err = run(capsys, "connect", "HQ", "--service", "ssh")
    assert code == 2 and out == "" and "has no ssh service (it has winbox)" in err


@pytest.mark.parametrize(
    ("fields", "cli"),
    [
        ({"keep_open_s": 5}, ("--keep-open", "5")),
        ({"keep_open_s": 20000}, ("--keep-open", "20000")),
        (
            {"services": (ServiceSpec(Service.SSH), ServiceSpec(Service.SSH, 22))},
            ("--service", "ssh", "--service", "ssh:22"),
        ),
    ],
)
def test_the_editor_and_the_cli_refuse_with_the_same_sentence(
    qtbot, config_dir: Path, capsys: pytest.CaptureFixture[str], fields: dict[str, object], cli: tuple[str, ...]
) -> None:
    from knockgui.gui.router_dialog import RouterDialog

    assert run(capsys, "add", "HQ", "--host", "10.0.0.1", "--sequence", SEQ)[0] == 0
    code, _, err = run(capsys, "edit", "HQ", *cli)
    assert code == 2
    dialog = RouterDialog(None, Router("HQ", "10.0.0.1", **fields))  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    shown = dialog.problems()["other"]
    assert err.strip() == f"knockgui-cli: {shown}"
    assert not dialog.save_button.isEnabled()


def test_the_editors_spin_boxes_stop_where_the_cli_refuses(qtbot, capsys: pytest.CaptureFixture[str]) -> None:
    from knockgui.core import validate
    from knockgui.gui.router_dialog import RouterDialog

    dialog = RouterDialog(None, Router("HQ", "10.0.0.1"))
    qtbot.addWidget(dialog)
    assert (dialog.final_timeout.minimum(), dialog.final_timeout.maximum()) == (
        validate.MIN_FINAL_TIMEOUT_S,
        validate.MAX_FINAL_TIMEOUT_S,
    )
    assert dialog.keep_open.maximum() == validate.MAX_KEEP_OPEN_S
    dialog.final_timeout.setValue(validate.MIN_FINAL_TIMEOUT_S - 1)  # typed below the bound: held at it
    assert dialog.result_router().final_timeout_s == validate.MIN_FINAL_TIMEOUT_S
