"""One router, several services, for real (issue 11): knock once, then Winbox and SSH; every client gets
the address that was knocked, also when a dual-stack name's knock went over IPv6.

Winbox is the recorder stand-in (``WinBox`` on PATH); SSH is real OpenSSH to a real sshd inside the
namespace router, run by the stand-in terminal ``kgterm`` that keeps the command's output.
"""

from __future__ import annotations

import contextlib
import secrets
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from knockgui.core.connect import connect
from knockgui.core.model import Router, Service, ServiceSpec
from knockgui.core.secrets import MemorySecretStore, RouterSecret
from knockgui.core.sequence import parse_sequence
from knockgui.core.settings import Settings
from knockgui.core.store import Inventory
from tests.conftest import need
from tests.testbed import recorder
from tests.testbed.netns import NamespaceRouter, Stage, knock_ruleset, run, wait_for
from tests.testbed.sshd import SSHServer, have_sshd

pytestmark = pytest.mark.root
Factory = Callable[..., NamespaceRouter]
HOSTS = Path("/etc/hosts")


@pytest.fixture
def records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    _bin, out = recorder.use(tmp_path, monkeypatch, "WinBox", "kgterm")
    monkeypatch.setenv("KG_RECORDER_RUN", "1")  # the stand-in terminal runs its command and keeps the output
    yield out
    (out / "stop").touch()


@contextlib.contextmanager
def hosts_entry(name: str, *addresses: str) -> Iterator[None]:
    """``name`` resolving to ``addresses`` through /etc/hosts for the test's duration (root, CI)."""
    before = HOSTS.read_bytes()
    lines = "".join(f"{a} {name}\n" for a in addresses)
    HOSTS.write_bytes(before + (b"" if before.endswith(b"\n") or not before else b"\n") + lines.encode())
    try:
        yield
    finally:
        HOSTS.write_bytes(before)


def _ssh_settings(server: SSHServer) -> Settings:
    options = " ".join(server.client_options()) + " -o 'RemoteCommand=echo knockgui-remote $SSH_CONNECTION'"
    return Settings(terminal="kgterm", ssh_options=options)


def _inventory(config_dir: Path, router: Router) -> Inventory:
    inventory = Inventory.open(config_dir, MemorySecretStore())
    inventory.add(router, RouterSecret(parse_sequence("1337:tcp 17954:udp")))
    return inventory


def test_knock_once_then_winbox_and_real_ssh_to_the_knocked_address(
    netns_router: Factory, records: Path, config_dir: Path, tmp_path: Path
) -> None:
    need(have_sshd())
    ns = netns_router(knock_ruleset([Stage.tcp(1337), Stage.udp(17954)]), ports=(8291,))
    server = SSHServer(ns, tmp_path / "sshd").start()
    services = (ServiceSpec(Service.WINBOX), ServiceSpec(Service.SSH, user=server.user))
    inventory = _inventory(config_dir, Router("HQ", ns.router4, services=services, user="admin", timeout_s=3))
    settings = _ssh_settings(server)

    winbox = connect(inventory, inventory.find("HQ"), settings)
    assert winbox.was_successful(), winbox.message
    assert winbox.knock.steps_sent == 2 and ns.counters()["knock1_4"] == 1
    assert winbox.open_until is not None and winbox.open_until.address == ns.router4
    ssh = connect(inventory, inventory.find("HQ"), settings, service="ssh")
    assert ssh.was_successful(), ssh.message
    assert ssh.knock.steps_sent == 0 and "No knock was needed" in ssh.message  # knocked once for both
    assert ns.counters()["knock1_4"] == 1 and ssh.knock.check is not None and ssh.knock.check.port == 22

    assert wait_for(lambda: len(recorder.records(records)) == 2, timeout=20)
    started = {r["name"]: r for r in recorder.records(records)}
    assert started["WinBox"]["argv"] == [ns.router4, "admin"]
    term = started["kgterm"]
    assert term["argv"][-3:] == ["-p", "22", f"{server.user}@{ns.router4}"]
    assert term["returncode"] == 0, term["errors"]
    assert term["output"].split()[:2] == ["knockgui-remote", ns.host4]  # the real sshd saw us log in

    again = connect(inventory, inventory.find("HQ"), settings, launch=False)  # "knock only" knocks anyway
    assert again.knock.steps_sent == 2 and ns.counters()["knock1_4"] == 2

    # open.json edited to send the client elsewhere: not the router's address, so it is knocked again and
    # the client goes to the router.
    state = config_dir / "open.json"
    state.write_text(state.read_text().replace(ns.router4, "127.0.0.1"))
    redirected = connect(inventory, inventory.find("HQ"), settings)
    assert redirected.knock.steps_sent == 2 and redirected.knock.address == ns.router4
    assert wait_for(lambda: len(recorder.records(records)) == 3, timeout=20)
    assert recorder.records(records)[2]["argv"] == [ns.router4, "admin"]


def test_a_dual_stack_name_knocked_over_ipv6_gives_the_clients_the_ipv6_address(
    netns_router: Factory, records: Path, config_dir: Path, tmp_path: Path
) -> None:
    need(have_sshd())
    ns = netns_router(knock_ruleset([Stage.tcp(1337), Stage.udp(17954)]), ports=())
    # A global-scope IPv6 pair on the veth (documentation prefix, only on this machine's own namespace),
    # so that the resolver prefers IPv6 over IPv4 for the dual-stack name (RFC 6724 precedence).
    net = f"2001:db8:{secrets.randbelow(0xFFFF):x}:4b"
    run("ip", "-6", "addr", "add", f"{net}::1/64", "dev", ns.host_if, "nodad")
    run("ip", "-6", "addr", "add", f"{net}::2/64", "dev", ns.router_if, "nodad", netns=ns.name)
    ns.router6, ns.host6 = f"{net}::2", f"{net}::1"
    ns.listen(8291)
    server = SSHServer(ns, tmp_path / "sshd").start()
    name = f"kg-dual-{secrets.token_hex(3)}.test"
    with hosts_entry(name, ns.router4, ns.router6):
        first = socket.getaddrinfo(name, 22, type=socket.SOCK_STREAM)[0]
        assert first[0] == socket.AF_INET6, "the resolver should prefer the global IPv6 address"
        services = (ServiceSpec(Service.WINBOX), ServiceSpec(Service.SSH, user=server.user))
        inventory = _inventory(config_dir, Router("Dual", name, services=services, user="admin", timeout_s=3))
        settings = _ssh_settings(server)
        winbox = connect(inventory, inventory.find("Dual"), settings)
        assert winbox.was_successful(), winbox.message
        assert winbox.knock.address == ns.router6 and ns.counters()["knock1_6"] == 1
        ssh = connect(inventory, inventory.find("Dual"), settings, service="ssh")
        assert ssh.was_successful(), ssh.message
        assert wait_for(lambda: len(recorder.records(records)) == 2, timeout=20)
    started = {r["name"]: r for r in recorder.records(records)}
    assert started["WinBox"]["argv"] == [f"[{ns.router6}]", "admin"]
    term = started["kgterm"]
    # The address that was knocked, and the name for the host key check.
    assert term["argv"][-5:] == ["-o", f"HostKeyAlias={name}", "-p", "22", f"{server.user}@{ns.router6}"]
    assert term["returncode"] == 0, term["errors"]
    assert term["output"].split()[:2] == ["knockgui-remote", ns.host6]
