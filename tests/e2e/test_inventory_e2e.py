"""End to end: knockgui-cli as a process, the real Secret Service, a namespace router with the seed's rules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from knockgui.core.secrets import KeyringSecretStore
from tests.testbed.netns import NamespaceRouter
from tests.testbed.secret_service import SecretService

SEED = "1337:tcp 17954:udp"


def cli(config: Path, *argv: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "knockgui.cli", "--config-dir", str(config), *argv],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.root
@pytest.mark.keyring
def test_add_then_knock_by_name_opens_and_remove_leaves_no_entry(
    secret_service: SecretService, seed_router: NamespaceRouter, tmp_path: Path
) -> None:
    config = tmp_path / "cfg"
    proc = cli(config, "add", "Seed", "--host", seed_router.router4, "--sequence", "-", stdin=SEED + "\n")
    assert proc.returncode == 0, proc.stderr
    assert "1337" not in (config / "routers.json").read_text()
    assert not seed_router.is_open(8291, timeout=0.25)
    proc = cli(config, "knock", "seed", "--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert seed_router.is_open(8291)
    router_id = json.loads((config / "routers.json").read_text())["routers"][0]["id"]
    assert KeyringSecretStore().get(router_id) is not None
    proc = cli(config, "remove", "Seed")
    assert proc.returncode == 0, proc.stderr
    assert KeyringSecretStore().get(router_id) is None


@pytest.mark.root
@pytest.mark.keyring
def test_wrong_saved_sequence_stays_closed(
    secret_service: SecretService, seed_router: NamespaceRouter, tmp_path: Path
) -> None:
    config = tmp_path / "cfg"
    assert cli(config, "add", "Seed", "--host", seed_router.router4, "--sequence", "17954:udp 1337:tcp").returncode == 0
    proc = cli(config, "knock", "Seed", "--check")
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert not seed_router.is_open(8291, timeout=0.25)


@pytest.mark.root
@pytest.mark.keyring
def test_encrypted_export_imports_on_a_fresh_config_dir_and_knocks(
    secret_service: SecretService, seed_router: NamespaceRouter, tmp_path: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    passphrase = tmp_path / "pass.txt"
    passphrase.write_text("handed over in person\n")
    assert (
        cli(first, "add", "Seed", "--host", seed_router.router4, "--sequence", SEED, "--group", "lab").returncode == 0
    )
    export = tmp_path / "routers.kgx"
    proc = cli(first, "export", str(export), "--with-secrets", "--passphrase-file", str(passphrase))
    assert proc.returncode == 0, proc.stderr
    assert b"17954" not in export.read_bytes()
    assert cli(first, "remove", "Seed").returncode == 0  # the second config gets its own keyring entry
    proc = cli(second, "import", str(export), "--passphrase-file", str(passphrase))
    assert proc.returncode == 0 and "1 added" in proc.stdout, proc.stderr
    assert not seed_router.is_open(8291, timeout=0.25)
    proc = cli(second, "knock", "Seed", "--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert seed_router.is_open(8291)


def test_no_keyring_in_a_process_exit_3_list_still_works(tmp_path: Path) -> None:
    # PYTHON_KEYRING_BACKEND is the fail backend here (the tests' default).
    config = tmp_path / "cfg"
    proc = cli(config, "add", "Seed", "--host", "10.0.0.1", "--sequence", SEED)
    assert proc.returncode == 3 and "gnome-keyring" in proc.stderr and "Traceback" not in proc.stderr
    assert not (config / "routers.json").exists()
    proc = cli(config, "list")
    assert proc.returncode == 0
