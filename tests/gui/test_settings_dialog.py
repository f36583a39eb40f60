"""The settings dialog: program paths with a "found at" hint, client choice, defaults."""

from __future__ import annotations

from knockgui.core.settings import Settings, load_settings, save_settings
from knockgui.gui.settings_dialog import SettingsDialog


def test_found_at_hints_and_result(qtbot, recorder_bin, tmp_path, config_dir) -> None:
    bin_dir, _records = recorder_bin
    dialog = SettingsDialog(None, Settings())
    qtbot.addWidget(dialog)
    assert dialog.hints["winbox_path"].text() == f"found at {bin_dir / 'WinBox'}"
    dialog.paths["winbox_path"].setText(str(tmp_path / "nowhere" / "WinBox"))
    assert "was not found at" in dialog.hints["winbox_path"].text()
    dialog.paths["putty_path"].setText(str(bin_dir / "winbox"))
    assert dialog.hints["putty_path"].text() == f"found at {bin_dir / 'winbox'}"
    dialog.paths["winbox_path"].setText("")
    dialog.ssh_client.setCurrentIndex(dialog.ssh_client.findData("putty"))
    dialog.delay.setValue(150)
    dialog.timeout.setValue(8.0)
    dialog.close_to_tray.setChecked(False)
    dialog.start_minimised.setChecked(True)
    result = dialog.result_settings()
    assert (result.ssh_client, result.default_delay_ms, result.default_timeout_s) == ("putty", 150, 8.0)
    assert (result.close_to_tray, result.start_minimised, result.putty_path) == (False, True, str(bin_dir / "winbox"))
    save_settings(config_dir, result)
    assert load_settings(config_dir) == result


def test_start_at_login_is_off_by_default_and_the_dialog_writes_the_autostart_file(qtbot, isolated_home) -> None:
    import os
    from pathlib import Path

    path = Path(os.environ["XDG_CONFIG_HOME"]) / "autostart" / "knockgui.desktop"
    dialog = SettingsDialog(None, Settings())
    qtbot.addWidget(dialog)
    assert dialog.autostart.text() == "Start at &log-in (in the tray)" and not dialog.autostart.isChecked()
    dialog.autostart.setChecked(True)
    dialog.accept()
    assert "--tray" in path.read_text() and dialog.result() == dialog.DialogCode.Accepted
    again = SettingsDialog(None, Settings())
    qtbot.addWidget(again)
    assert again.autostart.isChecked()  # read from the system, not from settings.json
    again.autostart.setChecked(False)
    again.accept()
    assert not path.exists()
