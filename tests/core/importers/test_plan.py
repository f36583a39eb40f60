"""The import plan and its one write: added, merged, skipped with reasons; secrets only in the keyring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knockgui.core import exchange
from knockgui.core.errors import LaunchError, SecretStoreError
from knockgui.core.importers import Source, csvfile, read_source, winbox
from knockgui.core.importers.plan import MERGE, SKIP, Action, apply, build_plan
from knockgui.core.importers.records import Record
from knockgui.core.launch import Machine, build_launch
from knockgui.core.model import Router, Service, single
from knockgui.core.secrets import MemorySecretStore, RouterSecret
from knockgui.core.settings import Settings
from knockgui.core.store import Inventory
from tests.core.importers.test_decoders import FIXTURES
from tests.core.inventory_helpers import secret

TWO = "user-with-saved-123-password-profile-own-with-group-mygroup-with-comment-mycomment-and-admin-nopassword-on-same-ip-address-with-saved-password-with-comments-with-group-on-admin-shows-two-entries.cdb"


def inventory(folder: Path, store: MemorySecretStore | None = None) -> Inventory:
    return Inventory.open(folder, store or MemorySecretStore())


def records_source(records: list[Record], name: str = "x.cdb") -> Source:
    return Source(Path(name), "winbox", tuple(records))


def run(inv: Inventory, source: Source, **options: object) -> tuple[list[str], Inventory]:
    plan = build_plan(inv, source, **options)  # type: ignore[arg-type]
    apply(inv, plan)
    return plan.lines(), inv


def test_winbox_sample_two_users_on_one_address_become_one_router(tmp_path: Path) -> None:
    if not (FIXTURES / TWO).is_file():
        pytest.skip("the Winbox samples are not here")
    inv = inventory(tmp_path)
    plan = build_plan(inv, read_source(FIXTURES / TWO))
    assert [e.action for e in plan.entries] == [Action.ADD, Action.MERGE]
    assert plan.entries[1].reason.startswith("mycomment")
    apply(inv, plan)
    (router,) = inv.routers
    assert (router.name, router.host, router.group, router.notes, router.service) == (
        "mycomment",
        "192.0.2.1",
        "mygroup",
        "mycomment",
        Service.WINBOX,
    )
    assert router.user == "" and router.needs_sequence
    kept = inv.secrets.get(router.id)
    assert kept is not None and kept.login == "user" and kept.sequence is None
    text = inv.path.read_text()
    assert '"user"' not in text and "123" not in text
    again = build_plan(inv, read_source(FIXTURES / TWO))  # importing again doubles nothing
    assert [e.action for e in again.entries] == [Action.SKIP, Action.SKIP]
    assert "unchanged" in again.entries[1].reason
    apply(inv, again)
    assert len(inv.routers) == 1


def test_mac_and_romon_entries_are_skipped_by_count_and_name(tmp_path: Path) -> None:
    if not FIXTURES.is_dir():
        pytest.skip("the Winbox samples are not here")
    inv = inventory(tmp_path)
    records = [
        *read_source(FIXTURES / "romon-mac-saved-with-winbox-proxy-using-claude-saved-with-password.cdb").records,
        *read_source(FIXTURES / "using-mac-address-with-saved-password.cdb").records,
        *read_source(FIXTURES / "using-mac-address-no-saved-password-no-group-no-comments.cdb").records,
    ]
    plan = build_plan(inv, records_source(records))
    assert not plan.of(Action.ADD) and len(plan.of(Action.SKIP)) == 4
    lines = "\n".join(plan.lines())
    assert "skipped (2), a RoMON entry" in lines and "comment, afterromonconnect-withpassword" in lines
    assert "skipped (2), a MAC-address entry" in lines and "96:5D:80:7D:BF:59" in lines
    assert "claude" not in lines.replace("claude saved", "")  # no login or password in the report
    apply(inv, plan)
    assert inv.routers == [] and not inv.path.exists()


def test_host_port_names_and_kept_password(tmp_path: Path) -> None:
    inv = inventory(tmp_path)
    inv.add(Router("Office", "10.0.0.1"), secret())
    records = [
        Record(host="10.0.0.5:8299", user="admin", password="pw-5", note="Office\nsecond line"),  # name taken
        Record(host="[2001:db8::1]:2222", kind="ssh"),
        Record(host="bad host!"),
        Record(host="10.0.0.6:99999"),
        Record(host="10.0.0.7", user="-oProxyCommand=x"),
    ]
    plan = build_plan(inv, records_source(records))
    added = {e.router.name: e.router for e in plan.of(Action.ADD) if e.router}
    assert set(added) == {"Office (10.0.0.5)", "2001:db8::1"}
    assert added["Office (10.0.0.5)"].port == 8299 and added["2001:db8::1"].port == 2222
    reasons = {e.label: e.reason for e in plan.of(Action.SKIP)}
    assert "not a host name" in reasons["bad host!"] and "port" in reasons["10.0.0.6:99999"]
    assert "login" in reasons["10.0.0.7"]
    apply(inv, plan)
    office5 = inv.find("Office (10.0.0.5)")
    assert inv.secrets.get(office5.id) == RouterSecret(None, "pw-5", "admin")
    assert "pw-5" not in inv.path.read_text()
    with pytest.raises(Exception, match="no knock sequence yet"):
        inv.secret(office5)


def test_csv_sequence_is_stored_and_duplicates_merge_or_skip(tmp_path: Path) -> None:
    inv = inventory(tmp_path)
    data = csvfile.encode_records(
        [
            Record(host="10.1.0.1", name="Core", sequence="1337:tcp 2000:udp", password="pw"),
            Record(host="10.1.0.1", name="Core copy", group="HQ"),  # same host and port
            Record(host="10.1.0.2", name="core"),  # same name, another address
        ]
    )
    (tmp_path / "r.csv").write_bytes(data)
    source = read_source(tmp_path / "r.csv")
    skipping = build_plan(inv, source, duplicates=SKIP)
    assert [e.action for e in skipping.entries] == [Action.ADD, Action.SKIP, Action.SKIP]
    plan = build_plan(inv, source, duplicates=MERGE)
    assert [e.action for e in plan.entries] == [Action.ADD, Action.MERGE, Action.SKIP]
    apply(inv, plan)
    (core,) = inv.routers
    assert core.group == "HQ" and not core.needs_sequence
    assert inv.secret(core).password == "pw" and len(inv.secret(core).knock_sequence) == 2


def _office(tmp_path: Path) -> Inventory:
    inv = inventory(tmp_path / "cfg")
    inv.add(Router("Office", "127.0.0.1", services=single(Service.WINBOX)), secret("1337:tcp", "office-pw"))
    return inv


def _json(tmp_path: Path, entry: dict[str, object]) -> Path:
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"format": "knockgui-routers", "version": 1, "routers": [entry]}))
    return path


def test_import_never_silently_retargets_an_existing_router(tmp_path: Path) -> None:
    inv = _office(tmp_path)
    before = inv.path.read_bytes()
    path = _json(tmp_path, {"name": "Office", "host": "127.0.0.2", "pass_password": True})
    plan = build_plan(inv, read_source(path))
    (entry,) = plan.entries
    assert entry.action is Action.SKIP and entry.held == (
        "host 127.0.0.1 -> 127.0.0.2",
        "pass_password false -> true",
    )
    assert "--replace" in entry.reason
    apply(inv, plan)
    assert inv.path.read_bytes() == before and inv.find("Office").host == "127.0.0.1"
    replaced = build_plan(inv, read_source(path), replace_changed=True)
    assert replaced.entries[0].action is Action.MERGE
    apply(inv, replaced)
    office = inv.find("Office")
    assert (office.host, office.pass_password) == ("127.0.0.2", True)
    assert inv.secret(office).password == "office-pw"  # kept: the user chose to move it


def test_same_address_other_name_is_a_duplicate_and_a_port_change_is_held(tmp_path: Path) -> None:
    inv = _office(tmp_path)
    path = _json(tmp_path, {"name": "Office", "host": "127.0.0.1", "port": 2222, "notes": "n"})
    (entry,) = build_plan(inv, read_source(path)).entries
    assert entry.held == ("port 8291 -> 2222",)


def test_custom_command_from_a_file_does_not_run_until_confirmed(tmp_path: Path) -> None:
    inv = inventory(tmp_path / "cfg")
    path = _json(tmp_path, {"name": "Evil", "host": "127.0.0.3", "service": "custom", "command": "sh -c {host}"})
    apply(inv, build_plan(inv, read_source(path)))
    evil = inv.find("Evil")
    assert evil.command_unconfirmed and evil.needs_sequence
    machine = Machine("linux", {"PATH": "/bin"}, lambda p: p == "/bin/sh")
    with pytest.raises(LaunchError, match="came from an imported file"):
        build_launch(evil, Settings(), "linux", machine=machine)
    from dataclasses import replace

    confirmed = inv.update(replace(evil, command_unconfirmed=False))
    assert build_launch(confirmed, Settings(), "linux", machine=machine).argv[0] == "/bin/sh"
    assert not Inventory.open(tmp_path / "cfg", inv.secrets).find("Evil").command_unconfirmed


class FailingAfter(MemorySecretStore):
    """A keyring that refuses the n-th set (and, with ``stuck``, every call after it)."""

    def __init__(self, n: int, stuck: bool = False) -> None:
        super().__init__()
        self.n, self.stuck, self.sets = n, stuck, 0

    def set(self, router_id: str, secret: RouterSecret) -> None:
        self.sets += 1
        if self.sets >= self.n:
            if self.stuck:
                self.fail = "The keyring is locked; unlock it and try again."
            raise SecretStoreError("The keyring refused to store a secret; unlock it and try again.")
        super().set(router_id, secret)

    def delete(self, router_id: str) -> None:
        super().delete(router_id)


def test_keyring_refusing_midway_rolls_back(tmp_path: Path) -> None:
    store = FailingAfter(4)
    inv = inventory(tmp_path, store)
    inv.add(Router("Keep", "10.9.0.1"), secret())
    before = (inv.path.read_bytes(), dict(store.entries))
    records = [Record(host=f"10.9.1.{i}", password=f"pw{i}") for i in range(1, 6)]
    with pytest.raises(SecretStoreError, match="refused"):
        apply(inv, build_plan(inv, records_source(records)))
    assert (inv.path.read_bytes(), dict(store.entries)) == before


def test_keyring_dying_midway_names_what_could_not_be_put_back(tmp_path: Path) -> None:
    store = FailingAfter(3, stuck=True)
    inv = inventory(tmp_path, store)
    inv.add(Router("Keep", "10.9.0.1"), secret())
    before = inv.path.read_bytes()
    records = [Record(host=f"10.9.1.{i}", password=f"pw{i}") for i in range(1, 4)]
    with pytest.raises(SecretStoreError) as caught:
        apply(inv, build_plan(inv, records_source(records)))
    assert "routers.json was not changed" in caught.value.message and "10.9.1.1" in caught.value.message
    assert "pw1" not in caught.value.message
    assert inv.path.read_bytes() == before


def test_old_kgx_items_go_through_the_plan(tmp_path: Path) -> None:
    inv = _office(tmp_path)
    data = exchange.export_encrypted(inv, "a long passphrase")
    (tmp_path / "x.kgx").write_bytes(data)
    other = inventory(tmp_path / "other")
    apply(other, build_plan(other, read_source(tmp_path / "x.kgx", passphrase="a long passphrase")))
    office = other.find("Office")
    assert not office.needs_sequence and other.secret(office).password == "office-pw"


def test_winbox_locked_file_through_the_plan(tmp_path: Path) -> None:
    data = winbox.encode([winbox.record_fields(Record(host="10.5.0.1", user="u", password="p", note="R"))], "m")
    (tmp_path / "Addresses.cdb").write_bytes(data)
    inv = inventory(tmp_path / "cfg")
    apply(inv, build_plan(inv, read_source(tmp_path / "Addresses.cdb", passphrase="m")))
    assert inv.find("R").host == "10.5.0.1"
