"""knockgui.core.settings: defaults, validation sentences, atomic save, damaged files and unknown keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knockgui.core import settings as st
from knockgui.core.errors import ConfigError, InputError, NotFoundError


def test_defaults_when_there_is_no_file(config_dir: Path) -> None:
    loaded = st.load_settings(config_dir)
    assert loaded == st.Settings()
    assert loaded.warning is None
    assert loaded.ssh_client == "openssh" and loaded.default_timeout_s == 5.0


def test_save_and_load_round_trip(config_dir: Path) -> None:
    saved = st.Settings(winbox_path="/opt/WinBox/WinBox", ssh_client="putty", default_delay_ms=250, close_to_tray=False)
    path = st.save_settings(config_dir, saved)
    assert path == config_dir / "settings.json"
    data = json.loads(path.read_text())
    assert data["ssh_client"] == "putty" and "warning" not in data
    assert st.load_settings(config_dir) == saved
    assert [p.name for p in config_dir.iterdir()] == ["settings.json"]  # no temporary file left


@pytest.mark.parametrize(
    ("key", "text", "value"),
    [
        ("ssh_client", "putty", "putty"),
        ("default_delay_ms", "250", 250),
        ("default_timeout_s", "2.5", 2.5),
        ("close_to_tray", "no", False),
        ("start_minimised", "ON", True),
        ("terminal", "konsole", "konsole"),
    ],
)
def test_set_from_text(key: str, text: str, value: object) -> None:
    assert getattr(st.with_value(st.Settings(), key, text), key) == value


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        ("ssh_client", "plink", 'The setting ssh_client must be "openssh" or "putty".'),
        ("default_delay_ms", "-1", "The setting default_delay_ms must be 0-600000 (milliseconds)."),
        (
            "default_delay_ms",
            "fast",
            "The setting default_delay_ms must be a whole number written with the digits 0-9.",
        ),
        ("default_timeout_s", "0", "The setting default_timeout_s must be 0.1-300 (seconds)."),
        ("close_to_tray", "maybe", "The setting close_to_tray must be true or false."),
        ("terminal", "xterm\n-e", "The setting terminal must not contain control characters."),
    ],
)
def test_invalid_values_are_refused_with_a_sentence(key: str, text: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        st.with_value(st.Settings(), key, text)
    assert str(info.value) == message


def test_unknown_key_is_refused_when_setting() -> None:
    with pytest.raises(NotFoundError, match=r"^There is no setting colour: use one of winbox_path, "):
        st.with_value(st.Settings(), "colour", "red")


def test_constructor_validates() -> None:
    with pytest.raises(InputError, match="ssh_client"):
        st.Settings(ssh_client="telnet")


def test_unknown_and_invalid_keys_are_reported_not_fatal(config_dir: Path) -> None:
    config_dir.mkdir(parents=True)
    data = {"ssh_client": "plink", "default_delay_ms": 100, "default_timeout_s": 3, "colour": "red", "zoom": 2}
    (config_dir / "settings.json").write_text(json.dumps(data))
    loaded = st.load_settings(config_dir)
    assert loaded.ssh_client == "openssh"
    assert loaded.default_delay_ms == 100
    assert loaded.default_timeout_s == 3.0
    assert loaded.warning == (
        "In settings.json: ssh_client was invalid and its default is used; unknown keys were ignored (colour, zoom)."
    )


def test_damaged_file_is_kept_aside(config_dir: Path) -> None:
    config_dir.mkdir(parents=True)
    (config_dir / "settings.json").write_text("{not json")
    loaded = st.load_settings(config_dir)
    assert loaded == st.Settings()
    assert loaded.warning is not None and loaded.warning.startswith("The settings file was damaged")
    kept = [p.name for p in config_dir.iterdir()]
    assert len(kept) == 1 and kept[0].startswith("settings.json.damaged-")
    assert (config_dir / kept[0]).read_text() == "{not json"


def test_save_failure_is_a_sentence(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConfigError) as info:
        st.save_settings(blocker / "sub", st.Settings())
    assert info.value.message == (
        f"Could not write {blocker / 'sub' / 'settings.json'}: {blocker} is a file, not a folder; move that file "
        "away or choose another folder."
    )


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe\x00binary", b"[" * 100_000 + b"]" * 100_000, b'{"default_delay_ms": ' * 50_000],
    ids=["binary", "deeply-nested", "truncated-nesting"],
)
def test_a_binary_or_absurdly_nested_file_is_kept_aside_with_a_warning(config_dir: Path, content: bytes) -> None:
    config_dir.mkdir(parents=True)
    (config_dir / "settings.json").write_bytes(content)
    loaded = st.load_settings(config_dir)
    assert loaded == st.Settings()
    assert loaded.warning is not None and loaded.warning.startswith("The settings file was damaged")
    kept = [p for p in config_dir.iterdir() if p.name.startswith("settings.json.damaged-")]
    assert len(kept) == 1 and kept[0].read_bytes() == content
