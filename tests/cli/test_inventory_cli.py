"""`knockgui-cli` inventory commands, in process (fast) against the real Secret Service or none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knockgui.cli import main
from knockgui.core.secrets import KeyringSecretStore, MemorySecretStore
from knockgui.core.store import FILE_NAME
from tests.cli.inprocess import run, use_memory_keyring
from tests.core.inventory_helpers import CountingSecretStore
from tests.testbed.secret_service import SecretService


@pytest.fixture
def memory(monkeypatch: pytest.MonkeyPatch) -> MemorySecretStore:
    return use_memory_keyring(monkeypatch)


@pytest.fixture
def pw(tmp_path: Path) -> Path:
    """A passphrase file."""
    path = tmp_path / "pw.txt"
    path.write_text("a long passphrase\n")
    return path


@pytest.mark.keyring
def test_add_list_show_edit_remove_with_real_keyring(
    secret_service: SecretService, config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "add", "Office", "--host", "10.0.0.1", "--sequence", "23456:tcp 34567:udp", "--group", "Berlin"
    )
    assert (code, err) == (0, "") and "Added" in out
    run(capsys, "add", "Lab", "--host", "lab.example", "--sequence", "45678:udp", "--service", "ssh", "--user", "admin")
    code, out, _ = run(capsys, "list")
    assert code == 0 and "Office" in out and "lab.example" in out and "23456" not in out
    code, out, _ = run(capsys, "list", "berl", "--json")
    assert [r["name"] for r in json.loads(out)] == ["Office"]
    code, out, _ = run(capsys, "show", "office")
    assert "2 steps (tcp, udp)" in out and "23456" not in out
    code, out, _ = run(capsys, "show", "office", "--reveal")
    assert "sequence: 23456:tcp 34567:udp" in out
    code, out, _ = run(capsys, "edit", "office", "--name", "HQ", "--port", "8292")
    assert code == 0
    code, out, _ = run(capsys, "show", "HQ", "--reveal")
    assert "sequence: 23456:tcp 34567:udp" in out and "port: 8292" in out  # renaming kept the secret
    text = (config_dir / FILE_NAME).read_text()
    assert "34567" not in text and "45678" not in text
    router_id = json.loads(text)["routers"][0]["id"]
    code, out, _ = run(capsys, "remove", "hq")
    assert code == 0
    assert KeyringSecretStore().get(router_id) is None
    code, out, _ = run(capsys, "routeros", "lab")
    assert code == 0 and "dst-port=45678" in out and "dst-port=22" in out


def test_no_keyring_exit_3_with_sentence_but_list_and_edit_work(
    config_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(capsys, "add", "Office", "--host", "10.0.0.1", "--sequence", "23456:tcp")
    assert code == 3 and "install and start a Secret Service" in err and "Traceback" not in err
    # a router added while a keyring worked, then the keyring went away
    memory = MemorySecretStore()
    with monkeypatch.context() as patch:
        patch.setattr("knockgui.cli.inventory.KeyringSecretStore", lambda: memory)
        assert run(capsys, "add", "Office", "--host", "10.0.0.1", "--sequence", "23456:tcp")[0] == 0
    code, out, _ = run(capsys, "list")
    assert code == 0 and "Office" in out
    code, out, err = run(capsys, "edit", "Office", "--group", "moved")
    assert code == 0, err
    code, out, err = run(capsys, "show", "Office")
    assert code == 0 and "group: moved" in out and "unavailable" in out
    code, out, err = run(capsys, "show", "Office", "--reveal")
    assert code == 3 and "gnome-keyring" in err
    code, out, err = run(capsys, "routeros", "Office")
    assert code == 3


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["add", "X", "--host=-oEvil", "--sequence", "2345"], "must not start with '-'"),
        (["add", "X", "--host", "10.0.0.1", "--sequence", "99999:tcp"], "port must be 1-65535"),
        (["add", "X", "--host", "10.0.0.1", "--sequence", "2345", "--port", "70000"], "1 to 65535"),
        (["show", "nobody"], 'no router named "nobody"'),
        (["remove", "nobody"], 'no router named "nobody"'),
        (["generate", "--steps", "0"], "steps"),
        (["import", "/nonexistent/file.json"], "Could not read"),
    ],
)
def test_bad_input_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], words: str) -> None:
    code, _out, err = run(capsys, *argv)
    assert code == 2 and words in err and "Traceback" not in err


def test_list_and_startup_read_no_secret(
    config_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    counting = CountingSecretStore(MemorySecretStore())
    monkeypatch.setattr("knockgui.cli.inventory.KeyringSecretStore", lambda: counting)
    for i in range(20):
        assert run(capsys, "add", f"r{i}", "--host", f"10.1.{i}.1", "--sequence", "2345:tcp")[0] == 0
    counting.calls.clear()
    assert run(capsys, "list")[0] == 0
    assert run(capsys, "list", "r1", "--json")[0] == 0
    assert run(capsys, "edit", "r3", "--user", "bob")[0] == 0
    assert sum(counting.calls.values()) == 0
    run(capsys, "show", "r3")
    assert counting.calls["get"] == 1


def test_export_import_with_passphrase_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], memory: MemorySecretStore, pw: Path
) -> None:
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    bad = tmp_path / "bad.txt"
    bad.write_text("another passphrase\n")
    main(["--config-dir", a, "add", "Office", "--host", "10.0.0.1", "--sequence", "23456:tcp", "--group", "g"])
    main(["--config-dir", a, "add", "Lab", "--host", "10.0.0.2", "--sequence", "34567:udp"])
    out_file = tmp_path / "routers.kgx"
    code, out, err = run(
        capsys, "--config-dir", a, "export", str(out_file), "--with-secrets", "--passphrase-file", str(pw)
    )
    assert code == 0 and "2 routers" in out
    assert b"23456" not in out_file.read_bytes()
    code, out, err = run(capsys, "--config-dir", b, "import", str(out_file), "--passphrase-file", str(bad))
    assert code == 2 and "passphrase is wrong" in err
    assert not (tmp_path / "b" / FILE_NAME).exists()
    code, out, err = run(capsys, "--config-dir", b, "import", str(out_file), "--passphrase-file", str(pw))
    assert code == 0 and "2 added" in out
    code, out, err = run(capsys, "--config-dir", b, "import", str(out_file), "--passphrase-file", str(pw))
    assert "0 added, 0 merged, 2 skipped" in out and "unchanged" in out
    plain = tmp_path / "plain.json"
    assert run(capsys, "--config-dir", a, "export", str(plain))[0] == 0
    assert b"23456" not in plain.read_bytes() and b"Office" in plain.read_bytes()


def test_export_with_secrets_names_the_routers_that_have_no_sequence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], memory: MemorySecretStore, pw: Path
) -> None:
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    for name, sequence in (("Office", "23456:tcp"), ("Lab", "34567:udp"), ("Depot", "45678:udp")):
        main(["--config-dir", a, "add", name, "--host", "10.0.0.1", "--sequence", sequence])
    capsys.readouterr()
    lost = json.loads((tmp_path / "a" / FILE_NAME).read_text())["routers"]
    for router in lost[1:]:  # Lab's and Depot's keyring entries are gone (another machine, a reset keyring)
        memory.delete(router["id"])
    out_file = tmp_path / "routers.kgx"
    code, out, err = run(
        capsys, "--config-dir", a, "export", str(out_file), "--with-secrets", "--passphrase-file", str(pw)
    )
    assert code == 0 and "Exported 3 routers" in out
    assert err == (
        "knockgui-cli: warning: 2 routers were exported without a sequence because the keyring holds none "
        "for them (Lab, Depot): set their sequence (Edit) and export again if the receiver needs it.\n"
    )
    assert run(capsys, "--config-dir", b, "import", str(out_file), "--passphrase-file", str(pw))[0] == 0
    assert "23456:tcp" in run(capsys, "--config-dir", b, "show", "office", "--reveal")[1]
    assert run(capsys, "--config-dir", a, "export", str(tmp_path / "plain.json"))[2] == ""  # no secrets asked


def test_knock_by_name_errors_are_sentences(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _out, err = run(capsys, "knock", "nobody")
    assert code == 2 and 'no saved router named "nobody"' in err
    code, _out, err = run(capsys, "knock", "127.0.0.1", "2345", "--check")
    assert code == 2 and "--check needs a PORT" in err
    memory = MemorySecretStore()
    with monkeypatch.context() as patch:
        patch.setattr("knockgui.cli.inventory.KeyringSecretStore", lambda: memory)
        assert run(capsys, "add", "Loop", "--host", "127.0.0.1", "--sequence", "23456:tcp")[0] == 0
    code, _out, err = run(capsys, "knock", "loop", "--check")  # the fail keyring backend is active here
    assert code == 3 and "gnome-keyring" in err and "23456" not in err


def test_knock_by_name_checks_the_service_port(capsys: pytest.CaptureFixture[str], memory: MemorySecretStore) -> None:
    import socket

    with socket.socket() as listener, socket.socket() as closed:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        closed.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
        open_port, closed_port = listener.getsockname()[1], closed.getsockname()[1]
        run(capsys, "add", "Up", "--host", "127.0.0.1", "--port", str(open_port), "--sequence", "23456:udp")
        run(
            capsys,
            "add",
            "Down",
            "--host",
            "127.0.0.1",
            "--port",
            str(closed_port),
            "--sequence",
            "23456:udp",
            "--timeout",
            "0.5",
        )
        code, out, err = run(capsys, "knock", "up", "--check")
        assert code == 0, err
        assert str(open_port) in out
        code, out, err = run(capsys, "knock", "down", "--check")
        assert code == 1 and str(closed_port) in err
        code, out, err = run(capsys, "knock", "down", "--check", str(open_port))  # an explicit port wins
        assert code == 0, err
        assert run(capsys, "knock", "down")[0] == 0  # no check asked: sent is success


def test_knock_by_name_verbose_does_not_print_the_secret_ports(
    capsys: pytest.CaptureFixture[str], memory: MemorySecretStore
) -> None:
    run(capsys, "add", "Loop", "--host", "127.0.0.1", "--sequence", "23456:udp 34567:tcp")
    code, out, err = run(capsys, "knock", "loop", "-v")
    assert code == 0, err
    assert "step 2 of 2 sent: tcp" in err
    assert "23456" not in out + err and "34567" not in out + err
