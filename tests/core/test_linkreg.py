"""Link handler registration: a valid desktop file that xdg-mime and xdg-open really use; Windows keys as data."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from knockgui.core import linkreg
from knockgui.core.errors import ConfigError
from tests.conftest import need
from tests.testbed import recorder
from tests.testbed.display import XDisplay


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        need(f"needs '{name}' (Debian packages xdg-utils, desktop-file-utils)")
    assert path
    return path


def test_desktop_entry_is_valid_and_quotes_odd_paths(tmp_path: Path) -> None:
    validate = _tool("desktop-file-validate")
    for command in (["/opt/knockgui/knockgui"], ["/home/a b/.venv/bin/python", "-m", "knockgui"], ['/x/$we"ird`\\']):
        path = tmp_path / "knockgui-links.desktop"
        path.write_text(linkreg.desktop_entry(command))
        proc = subprocess.run([validate, str(path)], capture_output=True, text=True)
        assert proc.returncode == 0 and "error" not in proc.stdout.lower(), proc.stdout
    text = linkreg.desktop_entry(["/home/a b/python", "-m", "knockgui"])
    assert 'Exec="/home/a b/python" -m knockgui %u\n' in text
    assert "MimeType=x-scheme-handler/knockgui;x-scheme-handler/winbox;\n" in text


def test_register_linux_makes_xdg_open_hand_links_to_knockgui(isolated_home: Path, xdisplay: XDisplay) -> None:
    _tool("xdg-mime")
    xdg_open = _tool("xdg-open")
    bin_dir = recorder.install(isolated_home / "bin", "knockgui")
    records = isolated_home / "records"
    records.mkdir()
    result = linkreg.register_linux([str(bin_dir / "knockgui")])
    assert result.used_xdg_mime
    assert result.desktop_file == isolated_home / ".local/share/applications" / linkreg.DESKTOP_FILE
    env = {**os.environ, "DISPLAY": xdisplay.display, "KG_RECORD_DIR": str(records)}
    env.pop("XDG_CURRENT_DESKTOP", None)
    for mime in linkreg.MIME_TYPES:
        query = subprocess.run(["xdg-mime", "query", "default", mime], capture_output=True, text=True, env=env)
        assert query.stdout.strip() == linkreg.DESKTOP_FILE
    # xdg-open (generic desktop) runs the registered command with the link as its one argument.
    proc = subprocess.run([xdg_open, "winbox://10.0.0.1:8292"], capture_output=True, text=True, env=env, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert [r["argv"] for r in recorder.records(records)] == [["winbox://10.0.0.1:8292"]]
    assert linkreg.unregister_linux() == result.desktop_file
    assert not result.desktop_file.exists()


def test_without_xdg_mime_mimeapps_list_is_edited_keeping_other_entries(isolated_home: Path) -> None:
    mimeapps = isolated_home / ".config" / "mimeapps.list"
    mimeapps.parent.mkdir(parents=True)
    mimeapps.write_text(
        "[Default Applications]\ntext/html=firefox.desktop\nx-scheme-handler/winbox=old-winbox.desktop\n"
        "[Added Associations]\nimage/png=gimp.desktop;\n"
    )
    env = {"HOME": str(isolated_home), "PATH": str(isolated_home / "empty-bin")}
    env["XDG_CONFIG_HOME"] = str(isolated_home / ".config")
    env["XDG_DATA_HOME"] = str(isolated_home / ".local/share")
    result = linkreg.register_linux(["/opt/knockgui/knockgui"], env=env)
    assert not result.used_xdg_mime
    assert mimeapps.read_text() == (
        "[Default Applications]\ntext/html=firefox.desktop\n"
        "x-scheme-handler/knockgui=knockgui-links.desktop\nx-scheme-handler/winbox=knockgui-links.desktop\n"
        "[Added Associations]\nimage/png=gimp.desktop;\n"
    )
    linkreg.register_linux(["/opt/knockgui/knockgui"], env=env)  # twice: same file, no duplicates
    assert mimeapps.read_text().count("x-scheme-handler/winbox=") == 1


def test_unwritable_applications_folder_is_a_sentence(isolated_home: Path) -> None:
    blocker = isolated_home / "blocked"
    blocker.write_text("a file where a folder should be")
    env = {"HOME": str(isolated_home), "XDG_DATA_HOME": str(blocker), "PATH": ""}
    with pytest.raises(ConfigError, match=r"could not be written to .*; check that folder's permissions\.$"):
        linkreg.register_linux(["/opt/knockgui/knockgui"], env=env)


def test_windows_registry_entries_as_data() -> None:
    entries = linkreg.windows_entries([r"C:\Program Files\knockgui\knockgui.exe"])
    table = {(e.key, e.name): e.data for e in entries}
    exe = r'"C:\Program Files\knockgui\knockgui.exe"'
    for scheme in ("knockgui", "winbox"):
        base = rf"Software\Classes\{scheme}"
        assert table[(base, "")] == f"URL:{scheme} link (knockgui)"
        assert table[(base, "URL Protocol")] == ""
        assert table[(rf"{base}\DefaultIcon", "")] == f"{exe},0"
        assert table[(rf"{base}\shell\open\command", "")] == f'{exe} "%1"'
    assert len(entries) == 8
    plain = linkreg.windows_entries([r"C:\kg\knockgui.exe"])
    assert plain[-1].data == r'"C:\kg\knockgui.exe" "%1"'  # quoted even without a space, as the installer writes it


def test_windows_registration_refused_elsewhere() -> None:
    with pytest.raises(ConfigError, match="only on Windows"):
        linkreg.register_windows(["x"], platform="linux")
    with pytest.raises(ConfigError, match=r"Info\.plist"):
        linkreg.register(platform="darwin")


def test_gui_command_prefers_the_installed_script() -> None:
    command = linkreg.gui_command("linux")
    assert Path(command[0]).name in ("knockgui", "python", "python3") or command[1:] == ["-m", "knockgui"]
    assert Path(command[0]).exists()


def test_a_binary_mimeapps_list_is_a_sentence_and_left_alone(isolated_home: Path) -> None:
    mimeapps = isolated_home / ".config" / "mimeapps.list"
    mimeapps.parent.mkdir(parents=True)
    mimeapps.write_bytes(b"\xff\xfe[Default Applications]\n")
    env = {"HOME": str(isolated_home), "PATH": str(isolated_home / "empty-bin")}
    env["XDG_CONFIG_HOME"] = str(isolated_home / ".config")
    env["XDG_DATA_HOME"] = str(isolated_home / ".local/share")
    with pytest.raises(ConfigError) as info:
        linkreg.register_linux(["/opt/knockgui/knockgui"], env=env)
    assert info.value.message == (
        f"The link handler could not be made the default: {mimeapps} is not UTF-8 text; repair or remove it."
    )
    assert mimeapps.read_bytes() == b"\xff\xfe[Default Applications]\n"
