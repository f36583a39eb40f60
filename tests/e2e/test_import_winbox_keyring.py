"""Coming from Winbox, end to end: a Winbox Addresses.cdb (locked with a master password, with kept
passwords) found where WinBox 4 keeps it, imported through the CLI into the real Secret Service, its
routers given a sequence at once, and one connected with a stand-in Winbox.

Afterwards no file under the config folder holds a password or a login, the keyring holds them, and
the connect gave Winbox the imported login (from the keyring) and not the password (pass_password off).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from knockgui.cli import main
from knockgui.core.connect import connect
from knockgui.core.importers import winbox
from knockgui.core.importers.records import Record
from knockgui.core.secrets import KeyringSecretStore
from knockgui.core.settings import load_settings
from knockgui.core.store import Inventory
from tests.testbed import recorder
from tests.testbed.netns import wait_for
from tests.testbed.secret_service import SecretService

pytestmark = pytest.mark.keyring

PASSWORDS = ("wbxPass-Alpha-913", "wbxPass-Beta-277")
LOGINS = ("techAlpha", "techBeta")


@pytest.fixture
def stand_in_winbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    _bin, out = recorder.use(tmp_path, monkeypatch, "WinBox")
    yield out
    (out / "stop").touch()


def test_import_winbox_with_kept_passwords_into_the_real_keyring(
    secret_service: SecretService,
    config_dir: Path,
    listener: int,
    stand_in_winbox: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data_home = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data_home))
    entries = [
        Record(host=f"127.0.0.1:{listener}", user=LOGINS[0], password=PASSWORDS[0], note="Alpha site", group="North"),
        Record(host="192.0.2.44", user=LOGINS[1], password=PASSWORDS[1], note="Beta site", group="North"),
        Record(host="4A:00:11:22:33:44", user="macuser", password="macPass-0001", note="by MAC"),
    ]
    cdb = data_home / "MikroTik" / "WinBox" / "Addresses.cdb"
    cdb.parent.mkdir(parents=True)
    cdb.write_bytes(winbox.encode([winbox.record_fields(r) for r in entries], password="master-of-winbox"))
    master = tmp_path / "master"
    master.write_text("master-of-winbox\n")

    assert main(["import", "--winbox", "--passphrase-file", str(master)]) == 0
    out, err = capsys.readouterr()
    assert "2 added, 0 merged, 1 skipped." in out and "a MAC-address entry" in out and "by MAC" in out
    assert main(["set-sequence", "--group", "North", "--generate"]) == 0
    capsys.readouterr()

    secrets = ("master-of-winbox", "macPass-0001", *PASSWORDS, *LOGINS)
    files = [p for p in sorted(config_dir.rglob("*")) if p.is_file()]
    assert files, "the import wrote no file"
    for path in files:
        content = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in content, f"{secret} in {path}"
            assert secret.encode("utf-16-le") not in content, f"{secret} in {path}"
    for secret in secrets:
        assert secret not in out + err

    inventory = Inventory.open(config_dir, KeyringSecretStore())
    alpha, beta = inventory.find("Alpha site"), inventory.find("Beta site")
    assert (alpha.host, alpha.port, alpha.group, alpha.user) == ("127.0.0.1", listener, "North", "")
    for router, password, login in ((alpha, PASSWORDS[0], LOGINS[0]), (beta, PASSWORDS[1], LOGINS[1])):
        kept = KeyringSecretStore().get(router.id)  # read back from the real Secret Service
        assert kept is not None and (kept.password, kept.login) == (password, login)
        assert kept.sequence is not None and not router.needs_sequence

    result = connect(inventory, alpha, load_settings(config_dir), force=True)
    assert result.launched is not None, result.message
    assert wait_for(lambda: recorder.records(stand_in_winbox), timeout=10)
    assert recorder.records(stand_in_winbox)[0]["argv"] == [f"127.0.0.1:{listener}", LOGINS[0]]
