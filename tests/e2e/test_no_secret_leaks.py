"""No knock sequence or password leaks: a whole add / list / show / knock / connect / export / import flow
through the CLI (in process, so every ``logging`` record at DEBUG is captured, keyring's and D-Bus's
included) against the real Secret Service, knocking loopback and starting a stand-in Winbox.

Afterwards neither the captured output, nor the log, nor the reprs of the results, nor any file in the
config folder, nor the plain export, nor the encrypted export (in clear) holds a port, the payload or the
password. Only the explicit ``show --reveal`` and ``routeros`` print the sequence, and they are checked to.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from knockgui.cli import main
from knockgui.core.connect import connect
from knockgui.core.secrets import KeyringSecretStore
from knockgui.core.settings import load_settings
from knockgui.core.store import Inventory
from tests.testbed import recorder
from tests.testbed.netns import wait_for
from tests.testbed.secret_service import SecretService

pytestmark = pytest.mark.keyring

PORTS = ("23917", "47213")
PAYLOAD = "kgPayload-Q7v"
PASSWORD = "pw-Leak-7731x"
SEQUENCE = f"{PORTS[0]}:tcp {PORTS[1]}:udp:{PAYLOAD}"
SECRETS = (*PORTS, PAYLOAD, PASSWORD, PAYLOAD.encode().hex())


def leaks(text: str) -> list[str]:
    """The secrets found in ``text`` (process ids, which could equal a port by chance, are left out)."""
    text = re.sub(r"pid[ =]\d+", "pid", text)
    return [s for s in SECRETS if s in text]


@pytest.fixture
def winbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    _bin, out = recorder.use(tmp_path, monkeypatch, "WinBox")
    yield out
    (out / "stop").touch()


def test_a_whole_flow_leaks_no_sequence_or_password(
    secret_service: SecretService,
    config_dir: Path,
    listener: int,
    winbox: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, keyring's and secretstorage's included
    passphrase_file = tmp_path / "passphrase"
    passphrase_file.write_text("correct horse battery\n")
    password_file = tmp_path / "password"
    password_file.write_text(PASSWORD + "\n")
    seen: list[str] = []

    def cli(*argv: str) -> int:
        code = main(list(argv))
        out, err = capsys.readouterr()
        seen.append(f"$ {' '.join(argv)}\n{out}{err}")
        return code

    sequence_file = tmp_path / "sequence"
    sequence_file.write_text(SEQUENCE + "\n")
    with sequence_file.open() as stdin, monkeypatch.context() as patch:
        patch.setattr("sys.stdin", stdin)  # "--sequence -" reads a line from a non-terminal stdin
        assert cli("add", "Office", "--host", "127.0.0.1", "--port", str(listener), "--user", "admin",
                   "--sequence", "-") == 0  # fmt: skip
    with password_file.open() as stdin, monkeypatch.context() as patch:
        patch.setattr("sys.stdin", stdin)  # and so does --password-prompt
        assert cli("edit", "office", "--password-prompt", "--group", "Berlin") == 0
    assert cli("list") == 0
    assert cli("list", "--json") == 0
    assert cli("show", "office") == 0
    assert cli("knock", "office", "--check", "-v") == 0
    assert cli("connect", "office", "-v", "--no-launch") == 0
    assert cli("settings", "list") == 0
    assert cli("export", str(tmp_path / "plain.json")) == 0
    assert cli("export", str(tmp_path / "secret.kge"), "--with-secrets", "--passphrase-file", str(passphrase_file)) == 0
    assert cli("remove", "office") == 0
    assert cli("import", str(tmp_path / "secret.kge"), "--passphrase-file", str(passphrase_file)) == 0

    inventory = Inventory.open(config_dir, KeyringSecretStore())
    router = inventory.find("office")
    result = connect(inventory, router, load_settings(config_dir), on_progress=lambda e: seen.append(repr(e)))
    assert result.was_successful(), result.message
    assert wait_for(lambda: recorder.records(winbox), timeout=10)
    assert recorder.records(winbox)[0]["argv"] == [f"127.0.0.1:{listener}", "admin"]  # pass_password is off
    seen += [repr(result), str(result.launched), result.message, repr(inventory.secret(router)), repr(router)]

    everything = "\n".join(seen)
    assert "Traceback" not in everything
    assert leaks(everything) == [], everything
    assert leaks(caplog.text) == [], caplog.text
    for path in sorted(config_dir.rglob("*")):
        if path.is_file():
            assert leaks(path.read_bytes().decode("utf-8", "replace")) == [], path
    assert leaks((tmp_path / "plain.json").read_text()) == []
    assert leaks((tmp_path / "secret.kge").read_text()) == []

    # the explicit ways to see the secret still show it (so the checks above could have failed)
    assert cli("show", "office", "--reveal") == 0
    assert f"sequence: {SEQUENCE}" in seen[-1] and f"password: {PASSWORD}" in seen[-1]
    assert cli("routeros", "office") == 0
    assert f"dst-port={PORTS[0]}" in seen[-1]
    assert leaks(caplog.text) == [], caplog.text
