"""Reading many routers' secrets in one keyring pass (knockgui.core.bulk_secrets), against a real
gnome-keyring on a private D-Bus, and through any other store one entry at a time."""

from __future__ import annotations

import keyring
import pytest

from knockgui.core.bulk_secrets import read_secrets
from knockgui.core.errors import SecretStoreError
from knockgui.core.secrets import SERVICE_NAME, KeyringSecretStore, MemorySecretStore, RouterSecret
from knockgui.core.sequence import format_sequence, parse_sequence
from tests.testbed.secret_service import SecretService


@pytest.mark.keyring
def test_one_pass_reads_what_single_reads_read(secret_service: SecretService) -> None:
    store = KeyringSecretStore()
    for i in range(5):
        store.set(f"id{i}", RouterSecret(parse_sequence(f"{1000 + i}:tcp 17954:udp"), "pw" if i == 2 else None))
    keyring.set_password(SERVICE_NAME, "damaged", "{not json")
    keyring.set_password("another-app", "id1", "not ours")
    entries = read_secrets(store, ["id3", "id0", "missing", "damaged", "id2", "id3"])
    assert list(entries) == ["id3", "id0", "missing", "damaged", "id2"]
    assert entries["missing"] is None
    for key in ("id3", "id0", "id2"):
        entry = entries[key]
        assert entry is not None and entry.secret() == store.get(key)
    assert format_sequence(entries["id0"].secret().sequence) == "1000:tcp 17954:udp"  # type: ignore[union-attr]
    assert entries["id2"].secret().password == "pw"  # type: ignore[union-attr]
    damaged = entries["damaged"]
    assert damaged is not None
    with pytest.raises(SecretStoreError, match="keyring entry is damaged"):
        damaged.secret()


def test_other_stores_are_read_one_by_one() -> None:
    store = MemorySecretStore()
    store.set("a", RouterSecret(parse_sequence("1 2 3")))
    entries = read_secrets(store, ["a", "b"])
    assert entries["b"] is None and entries["a"] is not None and entries["a"].secret() == store.get("a")
    with pytest.raises(SecretStoreError):
        read_secrets(MemorySecretStore(fail="locked"), ["a"])


def test_no_keyring_is_one_sentence() -> None:
    with pytest.raises(SecretStoreError, match="No OS keyring is available"):
        read_secrets(KeyringSecretStore(), ["a"])  # the tests' "fail" backend
