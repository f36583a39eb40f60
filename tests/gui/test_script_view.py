"""The RouterOS view: the same script as ``knockgui-cli routeros``, with the CLI's warnings above it;
and the router editor's warning for a wait the router's stage timeout would not wait for."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication

from knockgui.cli import main
from knockgui.core.model import Router
from knockgui.core.secrets import MemorySecretStore, RouterSecret
from knockgui.core.sequence import parse_sequence
from knockgui.core.store import Inventory
from knockgui.gui.router_dialog import RouterDialog
from knockgui.gui.script_dialog import ScriptDialog


def cli_routeros(capsys: pytest.CaptureFixture[str], config_dir: Path, name: str) -> tuple[str, list[str]]:
    code = main(["--config-dir", str(config_dir), "routeros", name])
    out, err = capsys.readouterr()
    assert code == 0, err
    prefix = "knockgui-cli: warning: "
    assert all(line.startswith(prefix) for line in err.splitlines()), err
    return out, [line[len(prefix) :] for line in err.splitlines()]


@pytest.mark.parametrize(
    ("host", "text", "warned"),
    [
        ("router.example.net", "1337:tcp wait:20000 17954:udp", 2),  # a wait past the stage timeout; a name
        ("2001:db8::7", "1337:tcp 1337:tcp 17954:udp", 0),
    ],
)
def test_the_view_shows_the_cli_script_with_its_warnings_above(
    qtbot, capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, host: str, text: str, warned: int
) -> None:
    store = MemorySecretStore()
    monkeypatch.setattr("knockgui.cli.inventory.KeyringSecretStore", lambda: store)
    inventory = Inventory.open(tmp_path, store)
    inventory.add(Router(name="office", host=host), RouterSecret(parse_sequence(text)))
    script, warnings = cli_routeros(capsys, tmp_path, "office")
    router = inventory.find("office")
    dialog = ScriptDialog.for_router(None, router, inventory.secret(router).sequence)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.text.toPlainText() == script
    assert len(warnings) == warned
    assert dialog.warnings.text() == "\n".join(f"Warning: {w}" for w in warnings)
    assert dialog.warnings.isVisible() == bool(warnings)
    if warnings:
        assert dialog.warnings.geometry().bottom() < dialog.text.geometry().top()
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == script


def test_the_editor_warns_about_a_wait_longer_than_the_stage_timeout(qtbot) -> None:
    dialog = RouterDialog(None)
    qtbot.addWidget(dialog)
    dialog.name.setText("office")
    dialog.host.setText("192.0.2.7")
    assert dialog.sequence.paste_text("1337:tcp wait:20000 17954:udp") == ""
    assert not dialog.sequence_warning.isHidden()
    assert "knock step 1 (20 s)" in dialog.sequence_warning.text() and "1337" not in dialog.sequence_warning.text()
    assert dialog.save_button.isEnabled(), "a warning, not a refusal: the user may raise the stage timeout"
    assert dialog.sequence.paste_text("1337:tcp wait:2000 17954:udp") == ""
    assert dialog.sequence_warning.isHidden()
    dialog.delay.setValue(15000)  # the router's own delay between steps
    assert dialog.sequence.paste_text("1337:tcp 17954:udp") == ""
    assert not dialog.sequence_warning.isHidden()
