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
