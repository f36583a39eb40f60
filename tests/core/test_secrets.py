"""Secrets in a real OS keyring (a private gnome-keyring), and clear sentences when there is none."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from knockgui.core.errors import SecretStoreError
from knockgui.core.model import Router
from knockgui.core.secrets import (
    MAX_ENTRY_BYTES,
    SERVICE_NAME,
    KeyringSecretStore,
    MemorySecretStore,
    RouterSecret,
)
from knockgui.core.sequence import parse_sequence
from knockgui.core.store import Inventory
from tests.core.inventory_helpers import secret
from tests.testbed.secret_service import SecretService


def test_repr_is_masked() -> None:
    s = secret("23456:tcp 34567:udp:hello", "hunter2-pw")
    text = repr(s) + str(s)
    for needle in ("23456", "34567", "hello", "hunter2"):
        assert needle not in text
    assert "2 steps" in text


def test_entry_round_trip_and_size_limit() -> None:
    s = RouterSecret(parse_sequence("1337:tcp wait:250 17954:udp:0x00ff icmp:200:ping", delay_ms=40), "pw")
    assert RouterSecret.from_entry(s.to_entry()) == s
    big = RouterSecret(parse_sequence("1000:udp:" + "a" * 1300))
    with pytest.raises(SecretStoreError, match=str(MAX_ENTRY_BYTES)) as err:
        big.to_entry()
    assert "aaaa" not in err.value.message
    with pytest.raises(SecretStoreError, match="damaged"):
        RouterSecret.from_entry('{"v": 1, "sequence": "99999:tcp"}')


@pytest.mark.keyring
def test_real_secret_service_set_get_delete(secret_service: SecretService) -> None:
    store = KeyringSecretStore()
    status = store.status()
    assert status.usable, status.message
    assert status.backend == "Secret Service"
    s = secret("23456:tcp 34567:udp", "hunter2-pw")
    store.set("r1", s)
    assert store.get("r1") == s
    # one entry per router, under the service name "knockgui", user = router id
    assert store.backend.get_password(SERVICE_NAME, "r1") is not None
    store.delete("r1")
    assert store.get("r1") is None
    store.delete("r1")  # deleting what is not there is not an error


@pytest.mark.keyring
def test_inventory_with_real_keyring_rename_keeps_remove_deletes(
    secret_service: SecretService, config_dir: Path
) -> None:
    store = KeyringSecretStore()
    inv = Inventory.open(config_dir, store)
    r = inv.add(Router("Office", "10.0.0.1"), secret("23456:tcp", "pw1"))
    r2 = inv.update(replace(r, name="HQ"))
    assert Inventory.open(config_dir, KeyringSecretStore()).secret(r2).password == "pw1"
    inv.remove("HQ")
    assert store.get(r.id) is None


@pytest.mark.keyring
def test_locked_keyring_gives_a_sentence(locked_secret_service: SecretService, config_dir: Path) -> None:
    store = KeyringSecretStore()
    status = store.status()
    assert not status.usable
    assert "locked" in status.message and "unlock" in status.message
    with pytest.raises(SecretStoreError, match="unlock it"):
        store.set("r1", secret())
    with pytest.raises(SecretStoreError, match="unlock it"):
        store.get("r1")
    # the list stays usable: non-secret edits work, nothing is written in clear
    inv = Inventory.open(config_dir, store)
    with pytest.raises(SecretStoreError):
        inv.add(Router("A", "10.0.0.1"), secret())
    assert inv.routers == []


def test_no_keyring_gives_a_sentence_naming_the_fix(config_dir: Path) -> None:
    # The test default: PYTHON_KEYRING_BACKEND=keyring.backends.fail.Keyring
    store = KeyringSecretStore()
    status = store.status()
    assert status == status.__class__("none", False, status.message)
    assert "gnome-keyring" in status.message and "KWallet" in status.message
    with pytest.raises(SecretStoreError, match="install and start a Secret Service"):
        store.set("r1", secret())
    memory = MemorySecretStore()
    Inventory.open(config_dir, memory).add(Router("A", "10.0.0.1"), secret())
    inv = Inventory.open(config_dir, store)
    inv.update(replace(inv.find("A"), group="moved"))
    assert Inventory.open(config_dir, store).find("a").group == "moved"
    assert sorted(p.name for p in config_dir.iterdir()) == [".routers.json.lock", "routers.json"]  # no fallback file


@pytest.mark.parametrize(
    ("backend", "words"),
    [("keyring.backends.null.Keyring", "throws secrets away"), ("no.such.Backend", "install and start")],
)
def test_useless_backends_are_refused(monkeypatch: pytest.MonkeyPatch, backend: str, words: str) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", backend)
    store = KeyringSecretStore()
    assert not store.status().usable
    with pytest.raises(SecretStoreError, match=words):
        store.set("r1", secret())
