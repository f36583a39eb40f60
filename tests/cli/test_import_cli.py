"""`knockgui-cli import`, `set-sequence`, `confirm-command` and the CSV export, in process."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from knockgui.cli import main
from knockgui.core.importers import csvfile, putty, wbx, winbox
from knockgui.core.importers.records import Record
from knockgui.core.secrets import MemorySecretStore
from knockgui.core.store import FILE_NAME, Inventory
from tests.cli.inprocess import run, use_memory_keyring


@pytest.fixture
def memory(monkeypatch: pytest.MonkeyPatch) -> MemorySecretStore:
    return use_memory_keyring(monkeypatch)


def inv(config_dir: Path, store: MemorySecretStore) -> Inventory:
    return Inventory.open(config_dir, store)


ROUTERS = [
    Record(host="10.7.0.1", user="admin", password="wbx-pw-1", note="Офис", group="Москва"),
    Record(host="10.7.0.2:8299", user="ivan", note="Склад"),
    Record(host="AA:BB:CC:DD:EE:FF", note="by mac"),
]


def test_wbx_dry_run_then_import_and_set_sequences(
    tmp_path: Path, config_dir: Path, memory: MemorySecretStore, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "export.wbx"
    path.write_bytes(wbx.encode(ROUTERS, window=True))
    code, out, err = run(capsys, "import", str(path), "--dry-run")
    assert code == 0 and err == ""
    assert "Dry run of export.wbx (wbx), nothing was written: 2 added, 0 merged, 1 skipped." in out
    assert "skipped (1), a MAC-address entry (no IP address to knock): by mac" in out
    assert not (config_dir / FILE_NAME).exists() and memory.entries == {}
    code, out, _ = run(capsys, "import", str(path))
    assert code == 0 and "Imported from export.wbx (wbx): 2 added" in out and "no knock sequence yet" in out
    assert (
        "wbx-pw-1" not in (config_dir / FILE_NAME).read_text() and "admin" not in (config_dir / FILE_NAME).read_text()
    )
    code, out, _ = run(capsys, "list")
    assert "Офис *" in out and "2 without a knock sequence" in out
    code, out, _ = run(capsys, "knock", "Офис")
    assert code == 2
    code, out, err = run(capsys, "set-sequence", "--group", "Москва", "--generate")
    assert code == 0 and "Set its own new random sequence each for 1 routers: Офис." in out
    code, out, _ = run(capsys, "set-sequence", "--imported", "--from", "Офис")
    assert code == 0 and "for 1 routers: Склад." in out
    code, out, _ = run(capsys, "list")
    assert "*" not in out
    store = inv(config_dir, memory)
    office, depot = store.find("Офис"), store.find("Склад")
    assert store.secret(office).password == "wbx-pw-1" and store.secret(office).login == "admin"
    assert store.secret(depot).knock_sequence == store.secret(office).knock_sequence
    assert depot.port == 8299 and not office.needs_sequence
    code, out, _ = run(capsys, "set-sequence", "Офис", "--generate")
    assert "kept (1, they have a sequence; --overwrite replaces it): Офис" in out


def test_set_sequence_from_stdin_and_errors(
    config_dir: Path, memory: MemorySecretStore, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    main(["add", "A", "--host", "10.8.0.1", "--sequence", "1000:tcp", "--group", "G"])
    main(["add", "B", "--host", "10.8.0.2", "--sequence", "1001:tcp", "--group", "G"])
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO("2345:udp 3456:tcp\n"))
    code, out, _ = run(capsys, "set-sequence", "--group", "g", "--sequence", "-", "--overwrite")
    assert code == 0 and "the same sequence for 2 routers" in out and "2345" not in out
    code, _, err = run(capsys, "set-sequence", "--group", "nope", "--generate")
    assert code == 2 and 'No router is in the group "nope"' in err
    code, _, err = run(capsys, "set-sequence", "A", "--generate", "--sequence", "1")
    assert code == 2 and "exactly one of" in err


def test_winbox_file_from_its_place_locked(
    tmp_path: Path,
    config_dir: Path,
    memory: MemorySecretStore,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    code, _, err = run(capsys, "import", "--winbox")
    assert code == 2 and "No Winbox address file was found" in err
    target = tmp_path / "data" / "MikroTik" / "WinBox" / "Addresses.cdb"
    target.parent.mkdir(parents=True)
    target.write_bytes(winbox.encode([winbox.record_fields(r) for r in ROUTERS], password="master"))
    code, _, err = run(capsys, "import", "--winbox")
    assert code == 2 and "--passphrase-file" in err  # no terminal here to ask on
    wrong, right = tmp_path / "wrong", tmp_path / "right"
    wrong.write_text("nope\n")
    right.write_text("master\n")
    code, _, err = run(capsys, "import", "--winbox", "--passphrase-file", str(wrong))
    assert code == 2 and "master password is wrong" in err and not (config_dir / FILE_NAME).exists()
    code, out, err = run(capsys, "import", "--winbox", "--passphrase-file", str(right))
    assert code == 0 and "Using Winbox's saved routers in" in out and "2 added" in out


def test_an_import_never_retargets_without_replace(
    tmp_path: Path, config_dir: Path, memory: MemorySecretStore, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["add", "Office", "--host", "127.0.0.1", "--sequence", "1337:tcp"])
    path = tmp_path / "evil.json"
    entries = [
        {"name": "Office", "host": "127.0.0.2", "pass_password": True},
        {"name": "Runner", "host": "127.0.0.3", "service": "custom", "command": "sh -c 'echo {host}'"},
    ]
    path.write_text(json.dumps({"format": "knockgui-routers", "version": 1, "routers": entries}))
    capsys.readouterr()
    code, out, err = run(capsys, "import", str(path))
    assert code == 0 and "host 127.0.0.1 -> 127.0.0.2" in out and "--replace" in err
    assert inv(config_dir, memory).find("Office").host == "127.0.0.1"
    code, out, err = run(capsys, "import", str(path), "--replace")
    assert code == 0 and "Office into Office" in out
    office = inv(config_dir, memory).find("Office")
    assert (office.host, office.pass_password) == ("127.0.0.2", True)
    assert inv(config_dir, memory).find("Runner").command_unconfirmed
    code, out, err = run(capsys, "confirm-command", "Runner")
    assert code == 2 and "--yes" in err and "echo {host}" in out
    code, out, _ = run(capsys, "confirm-command", "Runner", "--yes")
    assert code == 0 and not inv(config_dir, memory).find("Runner").command_unconfirmed


def test_csv_export_holds_no_secret_and_comes_back(
    tmp_path: Path, config_dir: Path, memory: MemorySecretStore, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["add", "Office", "--host", "10.0.0.1", "--sequence", "23456:tcp", "--group", "HQ", "--notes", "a; b"])
    main(["add", "Lab", "--host", "lab.example", "--sequence", "34567:udp", "--service", "ssh", "--port", "2222"])
    out_file = tmp_path / "routers.csv"
    code, out, _ = run(capsys, "export", str(out_file))
    assert code == 0 and "CSV, without secrets" in out
    data = out_file.read_bytes()
    assert b"23456" not in data and b"34567" not in data and b"password" not in data and b"sequence" not in data
    assert data.startswith(b"name,host,port,group,service,user,note\r\n")
    code, _, err = run(capsys, "export", str(out_file), "--with-secrets")
    assert code == 2 and "holds no secrets" in err
    other = tmp_path / "other"
    code, out, _ = run(capsys, "--config-dir", str(other), "import", str(out_file))
    assert code == 0 and "2 added" in out
    lab = inv(other, memory).find("Lab")
    assert (lab.host, lab.port, lab.service.value) == ("lab.example", 2222, "ssh")
    code, out, _ = run(capsys, "import", str(out_file))  # into the same inventory: nothing doubled
    assert "0 added, 0 merged, 2 skipped." in out


def test_putty_folder_and_reg(
    tmp_path: Path, config_dir: Path, memory: MemorySecretStore, capsys: pytest.CaptureFixture[str]
) -> None:
    sessions: dict[str, dict[str, str | int]] = {
        "Core router": {"HostName": "10.4.0.1", "PortNumber": 2222, "Protocol": "ssh", "UserName": "admin"},
        "Serial": {"Protocol": "serial"},
    }
    putty.write_folder(tmp_path / "sessions", sessions)
    code, out, _ = run(capsys, "import", str(tmp_path / "sessions"), "--dry-run")
    assert code == 0 and "(putty)" in out and "1 added" in out and "a serial session" in out
    (tmp_path / "p.reg").write_bytes(putty.encode_reg(sessions))
    code, out, _ = run(capsys, "import", str(tmp_path / "p.reg"), "--skip-duplicates")
    assert code == 0 and "1 added" in out
    router = inv(config_dir, memory).find("Core router")
    assert (router.service.value, router.port) == ("ssh", 2222)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\x0d\xf0\x1d\xc0\xff\xff\xff\xff", "not a readable Winbox address file"),
        (b"\x0d\xf0\x11\x40" + bytes(40), "master password"),
        (bytes(range(256)) * 4, "give --format"),
        (b"\x0f\x10\xc0\xbe\xff\xff", "not a readable Winbox .wbx export"),
    ],
)
def test_broken_files_are_one_sentence_and_change_nothing(
    tmp_path: Path,
    config_dir: Path,
    memory: MemorySecretStore,
    capsys: pytest.CaptureFixture[str],
    content: bytes,
    words: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    path = tmp_path / "broken.bin"
    path.write_bytes(content)
    code, out, err = run(capsys, "import", str(path))
    assert code == 2 and words in err and err.count("\n") == 1 and out == ""
    assert not (config_dir / FILE_NAME).exists()


def test_csv_import_with_sequence_column(
    tmp_path: Path, config_dir: Path, memory: MemorySecretStore, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(csvfile.encode_records([Record(host="10.6.0.1", name="Seq", sequence="1337:tcp")], delimiter=";"))
    code, out, _ = run(capsys, "import", str(path))
    assert code == 0 and "no knock sequence yet" not in out
    store = inv(config_dir, memory)
    assert len(store.secret(store.find("Seq")).knock_sequence) == 1
