"""Export without secrets, encrypted export with secrets, and imports that change nothing when they fail."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knockgui.core import exchange
from knockgui.core.errors import InputError
from knockgui.core.model import Router, Service
from knockgui.core.secrets import KeyringSecretStore, MemorySecretStore
from knockgui.core.store import Inventory
from tests.core.inventory_helpers import secret
from tests.testbed.routers import make_router
from tests.testbed.secret_service import SecretService

PASS = "correct horse battery"


def filled(folder: Path, store: MemorySecretStore | None = None) -> Inventory:
    inv = Inventory.open(folder, store or MemorySecretStore())
    inv.add(
        Router("Office", "10.0.0.1", group="Berlin", user="admin"), secret("23456:tcp 34567:udp:hello", "hunter2-pw")
    )
    inv.add(make_router("Lab", "lab.example", service=Service.SSH, port=2222), secret("45678:udp wait:100 icmp:200"))
    return inv


def snapshot(inv: Inventory) -> tuple[bytes, dict[str, str]]:
    store = inv.secrets
    assert isinstance(store, MemorySecretStore)
    return inv.path.read_bytes(), dict(store.entries)


def test_plain_export_has_no_secret_and_imports(tmp_path: Path) -> None:
    inv = filled(tmp_path / "a")
    data = exchange.export_plain(inv)
    for needle in (b"23456", b"34567", b"hello", b"hunter2", b"45678", b"sequence"):
        assert needle not in data
    fresh = Inventory.open(tmp_path / "b", MemorySecretStore())
    report = exchange.merge(fresh, exchange.read_import(data))
    assert report.added == ("Office", "Lab") and report.message.startswith("2 added")
    assert fresh.find("lab").port == 2222
    assert not fresh.has_secret(fresh.find("lab"))


def test_encrypted_round_trip_and_merge_report(tmp_path: Path) -> None:
    inv = filled(tmp_path / "a")
    data = exchange.export_encrypted(inv, PASS)
    for needle in (b"23456", b"hello", b"hunter2", b"Office", b"Berlin"):
        assert needle not in data
    header = json.loads(data)
    assert header["kdf"]["name"] == "scrypt" and header["cipher"]["name"] == "AES-256-GCM"
    # the receiving side already has Office (different user) and an identical Lab
    store = MemorySecretStore()
    other = Inventory.open(tmp_path / "b", store)
    office_old = other.add(Router("OFFICE", "10.0.0.1", group="Berlin", user="root"), secret("11111:tcp"))
    for item in exchange.read_import(data, PASS):
        if item.router.name == "Lab":
            assert item.secret is not None
            other.add(item.router, item.secret)
    other.add(Router("Keep", "10.0.0.9"), secret())
    report = exchange.merge(other, exchange.read_import(data, PASS))
    assert report.added == () and report.updated == ("Office",) and report.skipped == ("Lab",)
    office = other.find("office")
    assert office.id == office_old.id and office.user == "admin" and office.name == "Office"
    got = other.secret(office)
    assert got.password == "hunter2-pw" and got.sequence == secret("23456:tcp 34567:udp:hello").sequence
    assert other.find("keep")


@pytest.mark.parametrize(
    "damage",
    [
        "wrong-passphrase",
        "flip-ciphertext",
        "change-kdf",
        "truncate",
        "not-json",
        "bad-base64",
        "huge-n",
        "plain-bad-host",
    ],
)
def test_wrong_passphrase_or_damaged_file_changes_nothing(tmp_path: Path, damage: str) -> None:
    data = exchange.export_encrypted(filled(tmp_path / "a"), PASS)
    doc = json.loads(data)
    passphrase = PASS
    if damage == "wrong-passphrase":
        passphrase = PASS + "!"
    elif damage == "flip-ciphertext":
        raw = bytearray(base64.b64decode(doc["ciphertext"]))
        raw[10] ^= 1
        doc["ciphertext"] = base64.b64encode(bytes(raw)).decode()
    elif damage == "change-kdf":
        doc["kdf"]["n"] = 2**16
    elif damage == "bad-base64":
        doc["cipher"]["nonce"] = "!!!"
    elif damage == "huge-n":
        doc["kdf"]["n"] = 2**30
    elif damage == "plain-bad-host":
        doc = json.loads(exchange.export_plain(filled(tmp_path / "c")))
        doc["routers"][1]["host"] = "-oProxyCommand=x"
    data = json.dumps(doc).encode()
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "not-json":
        data = b"\x00\x01garbage"
    target = Inventory.open(tmp_path / "b", MemorySecretStore())
    target.add(Router("Office", "10.9.9.9"), secret("11111:tcp"))
    before = snapshot(target)
    path = tmp_path / "import.json"
    path.write_bytes(data)
    with pytest.raises(InputError) as err:
        exchange.import_file(target, path, passphrase)
    assert "nothing was changed" in err.value.message
    assert "23456" not in err.value.message and "hunter2" not in err.value.message
    assert snapshot(target) == before


def test_failed_keyring_during_import_changes_nothing(tmp_path: Path) -> None:
    data = exchange.export_encrypted(filled(tmp_path / "a"), PASS)
    store = MemorySecretStore()
    target = Inventory.open(tmp_path / "b", store)
    target.add(Router("Office", "10.0.0.1"), secret("11111:tcp"))  # same address: merged (a new one is held)
    before = snapshot(target)
    calls = {"n": 0}
    real_set = store.set

    def flaky(router_id: str, value: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            from knockgui.core.errors import SecretStoreError

            raise SecretStoreError("The keyring is locked; unlock it.")
        real_set(router_id, value)  # type: ignore[arg-type]

    store.set = flaky  # type: ignore[method-assign]
    with pytest.raises(Exception, match="locked"):
        exchange.merge(target, exchange.read_import(data, PASS))
    store.set = real_set  # type: ignore[method-assign]
    assert snapshot(target) == before


def test_short_passphrase_and_unencrypted_prompt(tmp_path: Path) -> None:
    inv = filled(tmp_path / "a")
    with pytest.raises(InputError, match="at least 8"):
        exchange.export_encrypted(inv, "short")
    with pytest.raises(InputError, match="encrypted; give its passphrase"):
        exchange.read_import(exchange.export_encrypted(inv, PASS))
    assert exchange.is_encrypted(exchange.export_encrypted(inv, PASS))
    assert not exchange.is_encrypted(exchange.export_plain(inv))


@pytest.mark.keyring
def test_encrypted_export_reads_real_keyring_and_imports_into_it(secret_service: SecretService, tmp_path: Path) -> None:
    inv = Inventory.open(tmp_path / "a", KeyringSecretStore())
    r = inv.add(Router("Office", "10.0.0.1"), secret("23456:tcp", "pw-1"))
    path = tmp_path / "out.kgx"
    exchange.write_export(inv, path, PASS)
    inv.remove("Office")
    fresh = Inventory.open(tmp_path / "b", KeyringSecretStore())
    assert exchange.import_file(fresh, path, PASS).added == ("Office",)
    got = fresh.find("office")
    assert fresh.secret(got).password == "pw-1"
    assert replace(got, id=r.id) == r


leaf = st.none() | st.booleans() | st.integers() | st.text(max_size=12)
entry = st.dictionaries(
    st.sampled_from(["name", "host", "port", "sequence", "password", "service", "x"]), leaf, max_size=6
)
document = st.fixed_dictionaries(
    {"format": st.sampled_from(["knockgui-routers", "knockgui-encrypted", "other"])},
    optional={
        "version": st.sampled_from([1, 2, "1"]),
        "routers": st.lists(entry, max_size=3) | leaf,
        "kdf": st.fixed_dictionaries(
            {
                "name": st.just("scrypt"),
                "n": st.integers(),
                "r": st.integers(),
                "p": st.integers(),
                "salt": st.text(max_size=30),
            }
        )
        | leaf,
        "cipher": st.dictionaries(st.sampled_from(["name", "nonce"]), leaf) | leaf,
        "ciphertext": leaf,
    },
)


@settings(max_examples=150, deadline=None)
@given(payload=st.binary(max_size=300) | document.map(lambda d: json.dumps(d).encode()))
def test_import_reader_survives_fuzzed_input(payload: bytes) -> None:
    try:
        items = exchange.read_import(payload, "some passphrase")
    except InputError as exc:
        assert exc.message.endswith(".")
    else:
        assert all(item.router.name for item in items)


def test_merge_never_retargets_an_existing_router(tmp_path: Path) -> None:
    """Issue 16.1: a plain file naming an existing router with another host and pass_password is skipped."""
    inv = filled(tmp_path / "a")
    before = snapshot(inv)
    evil = {
        "format": "knockgui-routers",
        "version": 1,
        "routers": [{"name": "Office", "host": "127.0.0.2", "pass_password": True}],
    }
    report = exchange.merge(inv, exchange.read_import(json.dumps(evil).encode()))
    assert report.skipped == ("Office",) and report.updated == ()
    assert snapshot(inv) == before and inv.find("Office").host == "10.0.0.1"
