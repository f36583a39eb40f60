"""The inventory file: atomic, versioned, never overwritten when damaged, and free of secrets."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knockgui.core.errors import ConfigError, InputError, NotFoundError, SecretStoreError
from knockgui.core.model import Router, Service, ServiceSpec
from knockgui.core.secrets import MemorySecretStore
from knockgui.core.store import FILE_NAME, Inventory
from tests.core.inventory_helpers import CountingSecretStore, secret
from tests.testbed.routers import make_router


def make(config_dir: Path, store: MemorySecretStore | None = None) -> Inventory:
    return Inventory.open(config_dir, store or MemorySecretStore())


def test_add_find_rename_remove(config_dir: Path) -> None:
    store = MemorySecretStore()
    inv = make(config_dir, store)
    r = inv.add(Router("Office", "10.0.0.1", group="Berlin"), secret())
    assert inv.find("office").id == r.id
    renamed = inv.update(replace(r, name="HQ"))
    assert inv.secret(renamed).sequence == secret().sequence  # renaming keeps the secret
    with pytest.raises(NotFoundError):
        inv.find("Office")
    again = make(config_dir, store)
    assert [x.name for x in again.routers] == ["HQ"]
    again.remove("hq")
    assert store.entries == {}
    assert make(config_dir, store).routers == []


def test_the_file_holds_only_what_differs_from_the_defaults_and_reads_the_full_form_too(config_dir: Path) -> None:
    inventory = make(config_dir)
    plain = inventory.add(Router(name="plain", host="10.0.0.1"), secret("1000:tcp"))
    rich = inventory.add(
        make_router(name="rich", host="r.example", group="g", service=Service.SSH, port=2222, user="admin", delay_ms=0),
        secret("1000:tcp"),
    )
    entries = {e["name"]: e for e in json.loads((config_dir / FILE_NAME).read_text())["routers"]}
    assert entries["plain"] == {"name": "plain", "host": "10.0.0.1", "id": plain.id}
    assert entries["rich"] == {
        "name": "rich",
        "host": "r.example",
        "group": "g",
        "services": [{"kind": "ssh", "port": 2222}],
        "user": "admin",
        "delay_ms": 0,  # 0 ms is not the default (None: the settings' delay)
        "id": rich.id,
    }
    assert make(config_dir).routers == inventory.routers
    from knockgui.core.validate import router_to_dict

    full = {"schema": 1, "routers": [router_to_dict(r) for r in inventory.routers]}  # as earlier versions wrote
    assert len(full["routers"][0]) == 15  # with needs_sequence and command_unconfirmed
    (config_dir / FILE_NAME).write_text(json.dumps(full))
    assert make(config_dir).routers == inventory.routers


def test_names_unique_ignoring_case(config_dir: Path) -> None:
    inv = make(config_dir)
    inv.add(Router("Office", "10.0.0.1"), secret())
    with pytest.raises(InputError, match="already exists"):
        inv.add(Router("OFFICE", "10.0.0.2"), secret())
    other = inv.add(Router("Other", "10.0.0.3"), secret())
    with pytest.raises(InputError, match="already exists"):
        inv.update(replace(other, name="office"))


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("host", "-oProxyCommand=x", "must not start with '-'"),
        ("host", "10.0.0.1 evil", "spaces"),
        ("host", "999.1.1.1", "IPv4"),
        ("host", "fe80::zz", "IPv6"),
        ("host", "bad_host!.com", "not a valid host name"),
        ("host", "", "empty"),
        ("name", "-rf", "must not start with '-'"),
        ("name", "evil\u202ename", "invisible"),
        ("name", "line\nbreak", "control"),
        ("name", "x" * 65, "at most 64"),
        ("services", (ServiceSpec(Service.WINBOX, 0),), "1 to 65535"),
        ("services", (ServiceSpec(Service.WINBOX, 70000),), "1 to 65535"),
        ("services", (), "at least one service"),
        ("services", (ServiceSpec(Service.SSH), ServiceSpec(Service.SSH, 22)), "listed twice"),
        ("delay_ms", -1, "delay"),
        ("services", (ServiceSpec(Service.CUSTOM, command="client {host} {password}"),), "placeholders"),
        ("final_timeout_s", 5, "final timeout"),
        ("keep_open_s", 20000, "shorter than the router's final timeout"),
    ],
)
def test_hostile_or_bad_fields_refused_with_a_sentence(config_dir: Path, field: str, value: object, words: str) -> None:
    inv = make(config_dir)
    base = Router("Good", "router.example.net")
    with pytest.raises(InputError) as err:
        inv.add(replace(base, **{field: value}), secret())
    assert words in err.value.message
    assert err.value.message.endswith(".")
    assert not (config_dir / FILE_NAME).exists()


@pytest.mark.parametrize(
    "host", ["10.0.0.1", "fd00::1", "[2001:db8::1]", "router-1.example.com", "büro.example", "gw."]
)
def test_good_hosts_accepted(config_dir: Path, host: str) -> None:
    router = make(config_dir).add(Router("R", host), secret())
    assert "[" not in router.host


def test_custom_service_needs_a_command(config_dir: Path) -> None:
    inv = make(config_dir)
    with pytest.raises(InputError, match="custom service"):
        inv.add(make_router("C", "10.0.0.1", service=Service.CUSTOM), secret())
    r = inv.add(make_router("C", "10.0.0.1", service=Service.CUSTOM, command="client {host} {port}"), secret())
    assert r.service_port == 8291


def test_config_file_never_holds_sequence_or_password(config_dir: Path) -> None:
    inv = make(config_dir)
    inv.add(Router("A", "10.0.0.1"), secret("23456:tcp 34567:udp:hello icmp:321", "hunter2-pw"))
    r = inv.add(Router("B", "10.0.0.2"), secret("45678:udp"))
    inv.update(replace(r, user="admin"), secret("56789:tcp", "s3cr3t-pw"))
    raw = (config_dir / FILE_NAME).read_text()
    data = json.loads(raw)
    ids = [x.pop("id") for x in data["routers"]]
    text = json.dumps(data)  # without the random hex ids, which could contain any digits
    for needle in (
        "23456",
        "34567",
        "hello",
        "321",
        "45678",
        "56789",
        "hunter2-pw",
        "s3cr3t-pw",
        "sequence",
        '"password"',
    ):
        assert needle not in text
    assert all(i in raw for i in ids)
    assert data["schema"] == 2
    assert [x["name"] for x in data["routers"]] == ["A", "B"]


def test_open_list_and_filter_read_no_secret(config_dir: Path) -> None:
    inv = make(config_dir)
    for i in range(50):
        inv.add(Router(f"r{i}", f"10.0.{i}.1", group="site-a" if i % 2 else "site-b"), secret())
    counting = CountingSecretStore(MemorySecretStore())
    fresh = Inventory.open(config_dir, counting)
    assert len(fresh.routers) == 50
    assert len(fresh.matches("SITE-A")) == 25
    assert fresh.find("R7").host == "10.0.7.1"
    assert sum(counting.calls.values()) == 0


def test_missing_keyring_still_lists_and_edits_non_secret_fields(config_dir: Path) -> None:
    store = MemorySecretStore()
    make(config_dir, store).add(Router("A", "10.0.0.1"), secret())
    broken = MemorySecretStore(fail="No OS keyring is available; install one.")
    inv = make(config_dir, broken)
    r = inv.find("a")
    inv.update(replace(r, user="admin", name="A2"))
    assert make(config_dir, store).find("A2").user == "admin"
    with pytest.raises(SecretStoreError, match="No OS keyring"):
        inv.secret(r)
    with pytest.raises(SecretStoreError):
        inv.add(Router("B", "10.0.0.2"), secret())
    assert [x.name for x in make(config_dir, store).routers] == ["A2"]  # nothing half-added


@pytest.mark.parametrize(
    "content", [b"{not json", b"\xff\xfe", b"[]", b'{"schema": "x", "routers": []}', b'{"routers": []}']
)
def test_corrupt_file_is_kept_aside_never_overwritten(config_dir: Path, content: bytes) -> None:
    config_dir.mkdir(parents=True)
    (config_dir / FILE_NAME).write_bytes(content)
    inv = make(config_dir)
    assert inv.routers == []
    assert inv.warning and ".corrupt-" in inv.warning
    aside = list(config_dir.glob(f"{FILE_NAME}.corrupt-*"))
    assert len(aside) == 1
    assert aside[0].read_bytes() == content
    assert str(aside[0]) in inv.warning
    inv.add(Router("New", "10.0.0.1"), secret())
    assert aside[0].read_bytes() == content


def test_damaged_entries_are_left_out_and_the_original_kept(config_dir: Path) -> None:
    inv = make(config_dir)
    inv.add(Router("Good", "10.0.0.1"), secret())
    path = config_dir / FILE_NAME
    data = json.loads(path.read_text())
    data["routers"].append({"name": "Bad", "host": "-x", "id": "0" * 32})
    data["routers"].append(17)
    original = json.dumps(data)
    path.write_text(original)
    again = make(config_dir)
    assert [r.name for r in again.routers] == ["Good"]
    assert again.warning and "2 damaged router entries" in again.warning
    (aside,) = config_dir.glob(f"{FILE_NAME}.corrupt-*")
    assert aside.read_text() == original


def test_unreadable_file_disables_changes(config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_dir.mkdir(parents=True)
    path = config_dir / FILE_NAME
    path.write_text('{"schema": 1, "routers": []}')

    def refuse(path: Path, limit: int) -> bytes:
        raise PermissionError(13, "Permission denied")

    def no_move(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    with monkeypatch.context() as patch:
        patch.setattr("knockgui.core.store.read_regular", refuse)
        patch.setattr(os, "replace", no_move)
        inv = make(config_dir)
        assert inv.warning and "could not be read" in inv.warning
        with pytest.raises(ConfigError):
            inv.add(Router("A", "10.0.0.1"), secret())
    assert path.read_text() == '{"schema": 1, "routers": []}'


def test_changes_by_another_program_are_picked_up(config_dir: Path) -> None:
    store = MemorySecretStore()
    first = make(config_dir, store)
    second = make(config_dir, store)
    first.add(Router("A", "10.0.0.1"), secret())
    second.add(Router("B", "10.0.0.2"), secret())
    assert sorted(r.name for r in make(config_dir, store).routers) == ["A", "B"]


# ----- interrupted writes -----

FAIL_POINTS = ["mkstemp", "write", "flush", "fsync", "replace"]


@pytest.mark.parametrize("point", FAIL_POINTS)
def test_interrupted_write_leaves_old_or_new_file(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch, point: str
) -> None:
    import tempfile

    store = MemorySecretStore()
    inv = make(config_dir, store)
    inv.add(Router("Old", "10.0.0.1"), secret())
    path = config_dir / FILE_NAME
    before = path.read_bytes()

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        if point == "mkstemp":
            patch.setattr(tempfile, "mkstemp", boom)
        elif point == "replace":
            patch.setattr(os, "replace", boom)
        elif point == "fsync":
            patch.setattr(os, "fsync", boom)
        else:
            real_fdopen = os.fdopen

            def fdopen(fd: int, mode: str) -> object:
                handle = real_fdopen(fd, mode)

                class Broken:
                    def __enter__(self) -> Broken:
                        return self

                    def __exit__(self, *exc: object) -> None:
                        handle.close()

                    def fileno(self) -> int:
                        return handle.fileno()

                    def write(self, data: bytes) -> int:
                        if point == "write":
                            handle.write(data[: len(data) // 2])
                            boom()
                        return handle.write(data)

                    def flush(self) -> None:
                        boom()

                return Broken()

            patch.setattr(os, "fdopen", fdopen)
        with pytest.raises(ConfigError) as err:
            inv.add(Router("New", "10.0.0.2"), secret())
    assert "unchanged" in err.value.message or "permissions" in err.value.message
    assert path.read_bytes() == before
    assert sorted(p.name for p in config_dir.iterdir()) == [f".{FILE_NAME}.lock", FILE_NAME]  # no temporary file
    assert [r.name for r in make(config_dir, store).routers] == ["Old"]
    assert len(store.entries) == 1  # the new router's secret was taken back


CRASH = r"""
import os, signal, sys
from pathlib import Path
from knockgui.core.model import Router
from knockgui.core.secrets import MemorySecretStore
from knockgui.core.sequence import parse_sequence
from knockgui.core.secrets import RouterSecret
from knockgui.core.store import Inventory
point = sys.argv[2]
inv = Inventory.open(Path(sys.argv[1]), MemorySecretStore())
def die(*a, **k):
    os.kill(os.getpid(), signal.SIGKILL)
if point == "replace":
    os.replace = die
elif point == "fsync":
    os.fsync = die
inv.add(Router("New", "10.0.0.2"), RouterSecret(parse_sequence("2345:tcp")))
"""


@pytest.mark.parametrize("point", ["fsync", "replace", "none"])
def test_killed_writer_leaves_old_or_new_file(config_dir: Path, point: str) -> None:
    inv = make(config_dir)
    inv.add(Router("Old", "10.0.0.1"), secret())
    proc = subprocess.run([sys.executable, "-c", CRASH, str(config_dir), point], capture_output=True, timeout=60)
    names = [r.name for r in make(config_dir).routers]
    if point == "none":
        assert proc.returncode == 0
        assert names == ["Old", "New"]
    else:
        assert proc.returncode == -signal.SIGKILL
        assert names == ["Old"]
    assert make(config_dir).warning is None  # a left-over temporary file is ignored


# ----- fuzzing -----

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=20,
)
router_like = st.fixed_dictionaries(
    {"name": st.text(max_size=20), "host": st.text(max_size=20), "id": st.text(max_size=40)},
    optional={
        "port": json_values,
        "service": st.sampled_from(["winbox", "ssh", "custom", "x"]) | json_values,
        "delay_ms": json_values,
        "timeout_s": json_values,
        "group": json_values,
        "pass_password": json_values,
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    payload=st.one_of(
        st.binary(max_size=200),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.lists(router_like, max_size=4).map(lambda rs: json.dumps({"schema": 1, "routers": rs}).encode()),
    )
)
def test_loader_survives_fuzzed_input(tmp_path_factory: pytest.TempPathFactory, payload: bytes) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / FILE_NAME).write_bytes(payload)
    inv = Inventory.open(folder, MemorySecretStore())
    for router in inv.routers:
        assert 1 <= router.service_port <= 65535
    if inv.warning:
        assert list(folder.glob(f"{FILE_NAME}.corrupt-*"))
    inv.add(Router("fresh-name-xyz", "10.0.0.1"), secret())
    assert Inventory.open(folder, MemorySecretStore()).find("fresh-name-xyz")


WRITER = r"""
import sys
from pathlib import Path
from knockgui.core.model import Router
from knockgui.core.secrets import MemorySecretStore, RouterSecret
from knockgui.core.sequence import parse_sequence
from knockgui.core.store import Inventory
inv = Inventory.open(Path(sys.argv[1]), MemorySecretStore())
for i in range(15):
    inv.add(Router(f"{sys.argv[2]}-{i}", "10.0.0.1"), RouterSecret(parse_sequence("2345:tcp")))
"""


def test_two_programs_adding_at_once_lose_nothing(config_dir: Path) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(config_dir), tag]) for tag in ("gui", "cli")]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    assert len(make(config_dir).routers) == 30


def test_a_pending_router_that_lost_its_secret_is_named_at_the_next_start(config_dir: Path) -> None:
    """The journal of an interrupted change names a router that is in the file but has no secret: say so."""
    store = MemorySecretStore()
    inv = Inventory.open(config_dir, store)
    office = inv.add(Router("Office", "10.0.0.1"), secret("1337:tcp"))
    orphan_id = "0" * 32
    store.entries[orphan_id] = store.entries[office.id]  # an orphan left by a killed add
    del store.entries[office.id]  # and a router whose secret went (another program, a reset keyring)
    (config_dir / ".routers.json.pending").write_text(json.dumps([office.id, orphan_id]))
    again = Inventory.open(config_dir, store)
    assert again.warning is not None and "No knock sequence is stored for Office" in again.warning
    assert orphan_id not in store.entries
    assert not (config_dir / ".routers.json.pending").exists()


def test_a_partly_damaged_file_is_copied_aside_once_not_at_every_read(config_dir: Path) -> None:
    """Issue 16 item 9: every open and reload of the same damaged file made another .corrupt- copy."""
    inv = make(config_dir)
    inv.add(Router("Good", "10.0.0.1"), secret())
    path = config_dir / FILE_NAME
    data = json.loads(path.read_text())
    data["routers"].append(17)
    path.write_text(json.dumps(data))
    for _ in range(3):
        again = make(config_dir)
        again.reload()
        assert again.warning and "1 damaged router entry" in again.warning
    (aside,) = config_dir.glob(f"{FILE_NAME}.corrupt-*")
    assert str(aside) in (again.warning or "")
    data["routers"].append(18)  # other damage: another copy, kept beside the first
    path.write_text(json.dumps(data))
    make(config_dir)
    assert len(list(config_dir.glob(f"{FILE_NAME}.corrupt-*"))) == 2


def test_a_utf8_bom_is_no_damage(config_dir: Path) -> None:
    """Issue 16 item 9: a router list saved by an editor that writes a BOM counted as corrupt."""
    inv = make(config_dir)
    inv.add(Router("Good", "10.0.0.1"), secret())
    path = config_dir / FILE_NAME
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    again = make(config_dir)
    assert [r.name for r in again.routers] == ["Good"] and again.warning is None
    assert not list(config_dir.glob(f"{FILE_NAME}.corrupt-*"))
