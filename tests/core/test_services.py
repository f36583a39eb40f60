"""Several services per router (issue 11): the model, the schema-1 upgrade, a newer file left alone,
the open-until state and the launch to the knocked address."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from knockgui.core.errors import ConfigError, InputError, NotFoundError
from knockgui.core.launch import Machine, build_launch
from knockgui.core.model import Router, Service, ServiceSpec
from knockgui.core.opened import OpenState, host_has_address, reknock_interval
from knockgui.core.secrets import MemorySecretStore, RouterSecret
from knockgui.core.sequence import parse_sequence
from knockgui.core.settings import Settings
from knockgui.core.store import FILE_NAME, Inventory
from knockgui.core.validate import parse_service

FIXTURE = Path(__file__).parent.parent / "fixtures" / "routers-schema1.json"
SECRET = RouterSecret(parse_sequence("1337:tcp 17954:udp"))


def two_services() -> Router:
    return Router(
        "HQ",
        "hq.example.net",
        services=(ServiceSpec(Service.WINBOX), ServiceSpec(Service.SSH, 2222, "ops")),
        user="admin",
    )


def test_the_first_service_is_the_default_and_others_are_found_by_kind_or_port() -> None:
    r = two_services()
    assert r.service is Service.WINBOX and r.service_port == 8291
    assert r.service_for("ssh").effective_port == 2222
    assert r.service_for("SSH:2222") is r.services[1]
    assert r.service_for(None) is r.services[0]
    assert r.management_ports == (2222, 8291)
    assert r.user_for(r.services[1]) == "ops" and r.user_for(r.services[0]) == "admin"
    with pytest.raises(NotFoundError, match=r"has no telnet service \(it has winbox, ssh:2222\)"):
        r.service_for("telnet")


@pytest.mark.parametrize(
    ("text", "words"),
    [("gopher", "must be one of"), ("ssh:0", "1 to 65535"), ("ssh:99999", "1 to 65535"), ("ssh:２２", "whole number")],
)
def test_service_options_are_checked_with_a_sentence(text: str, words: str) -> None:
    with pytest.raises(InputError, match=words):
        parse_service(text)


def test_a_schema_1_file_loads_unchanged_and_is_upgraded_on_the_next_write(tmp_path: Path) -> None:
    shutil.copy(FIXTURE, tmp_path / FILE_NAME)
    before = (tmp_path / FILE_NAME).read_bytes()
    inv = Inventory.open(tmp_path, MemorySecretStore())
    assert inv.warning is None
    assert (tmp_path / FILE_NAME).read_bytes() == before  # reading writes nothing
    by_name = {r.name: r for r in inv.routers}
    assert by_name["Office"].services == (ServiceSpec(Service.WINBOX),) and by_name["Office"].group == "Berlin"
    assert by_name["Lab SSH"].services == (ServiceSpec(Service.SSH, 2222),) and by_name["Lab SSH"].user == "admin"
    # WebFig on its default port was http and https (the script accepted 80 and 443): both stay.
    assert [s.kind for s in by_name["Web"].services] == [Service.WEBFIG, Service.WEBFIG_HTTPS]
    assert by_name["Web"].management_ports == (80, 443) and by_name["Web"].keep_open_s == 600
    custom = by_name["Custom"]
    assert custom.services == (ServiceSpec(Service.CUSTOM, None, "", "myclient {host} {port} {user}"),)
    assert (custom.delay_ms, custom.timeout_s, custom.pass_password) == (200, 2.5, True)
    assert by_name["Telnet Ünï"].services == (ServiceSpec(Service.TELNET, 2323),)
    assert [r.id for r in inv.routers] == [f"{i:032d}" for i in range(1, 6)]  # secrets stay keyed by id
    inv.update(by_name["Office"])
    data = json.loads((tmp_path / FILE_NAME).read_text())
    assert data["schema"] == 2
    entries = {e["name"]: e for e in data["routers"]}
    assert entries["Lab SSH"]["services"] == [{"kind": "ssh", "port": 2222}] and "service" not in entries["Lab SSH"]
    assert Inventory.open(tmp_path, MemorySecretStore()).routers == inv.routers


def test_a_file_from_a_newer_knockgui_is_refused_with_a_sentence_and_left_untouched(tmp_path: Path) -> None:
    raw = b'{"schema": 3, "routers": [{"name": "x", "host": "10.0.0.1", "id": "' + b"a" * 32 + b'", "new": 1}]}'
    (tmp_path / FILE_NAME).write_bytes(raw)
    inv = Inventory.open(tmp_path, MemorySecretStore())
    assert inv.routers == []
    assert inv.warning and "newer knockgui (schema 3)" in inv.warning and inv.warning.endswith(".")
    with pytest.raises(ConfigError, match="newer knockgui"):
        inv.add(Router("y", "10.0.0.2"), SECRET)
    assert (tmp_path / FILE_NAME).read_bytes() == raw
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".{FILE_NAME}.lock", FILE_NAME]


def test_open_state_remembers_the_address_until_the_final_timeout(tmp_path: Path) -> None:
    r = Router("A", "a.example", final_timeout_s=600)
    state = OpenState(tmp_path)
    assert state.get(r) is None
    now = time.time()
    entry = state.record(r, "2001:db8::5", now)
    assert entry.until == pytest.approx(now + 600)
    assert OpenState(tmp_path).get(r) == entry
    assert OpenState(tmp_path).get(r, now=now + 580) is None  # less than the margin left: knock again
    state.forget(r)
    assert state.get(r) is None


@pytest.mark.parametrize(
    "content",
    [
        b"\xff",
        b"[]",
        b'{"x": {"address": "not an ip", "until": 9e99}}',
        b'{"x": {"address": "10.0.0.1", "until": 1e300}}',
        b'{"x": {"address": "10.0.0.1", "until": true}}',
        b"{" * 100_000,
    ],
)
def test_a_damaged_open_file_is_ignored(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "open.json").write_bytes(content)
    r = Router("A", "10.0.0.1", id="x" * 1)
    assert OpenState(tmp_path).all() == {}
    assert OpenState(tmp_path).get(r) is None


def test_keep_open_reknocks_before_the_listing_ends() -> None:
    assert reknock_interval(Router("A", "h")) == 3 * 3600 * 4 // 5
    assert reknock_interval(Router("A", "h", final_timeout_s=60)) == 48
    assert reknock_interval(Router("A", "h"), longest_s=600) == 600
    assert reknock_interval(Router("A", "h", keep_open_s=30)) == 30


LINUX = Machine(
    "linux",
    {"PATH": "/usr/bin", "HOME": "/home/u"},
    lambda p: p in {"/usr/bin/ssh", "/usr/bin/xterm", "/usr/bin/WinBox"},
)


def test_clients_get_the_knocked_address_and_ssh_keeps_the_name_for_host_keys() -> None:
    r = two_services()
    ssh = build_launch(
        r, Settings(terminal="xterm"), "linux", machine=LINUX, service=r.services[1], address="2001:db8::7"
    )
    assert ssh.argv[-5:] == ("-o", "HostKeyAlias=hq.example.net", "-p", "2222", "ops@2001:db8::7")
    winbox = build_launch(r, Settings(), "linux", machine=LINUX, address="2001:db8::7")
    assert winbox.argv[1:] == ("[2001:db8::7]", "admin")
    by_name = build_launch(
        Router("HQ", "hq.example.net", services=r.services, connect_by_name=True),
        Settings(terminal="xterm"),
        "linux",
        machine=LINUX,
        service=r.services[1],
        address="2001:db8::7",
    )
    assert by_name.argv[-3:] == ("-p", "2222", "ops@hq.example.net") and "HostKeyAlias" not in " ".join(by_name.argv)


def test_putty_gets_the_name_as_its_logical_host() -> None:
    r = two_services()
    win = Machine("win32", {"PATH": r"C:\bin"}, lambda p: p == r"C:\bin\putty.exe")
    plan = build_launch(
        r, Settings(ssh_client="putty"), "win32", machine=win, service=r.services[1], address="10.0.0.9"
    )
    assert plan.argv[1:] == ("-ssh", "-loghost", "hq.example.net", "-P", "2222", "ops@10.0.0.9")


def test_a_remembered_address_counts_only_for_the_host_it_belongs_to() -> None:
    assert host_has_address("127.0.0.1", "127.0.0.1")
    assert host_has_address("localhost", "127.0.0.1")
    assert host_has_address("[::1]", "::1")
    assert not host_has_address("127.0.0.1", "127.0.0.2")  # the host was changed since the knock
    assert not host_has_address("127.0.0.1", "not an address")
