"""The connect flow for real: knock a namespace router, check the port, start the client detached.

Winbox cannot run here, so a stand-in (tests/testbed/recorder.py, installed as ``WinBox`` on PATH)
records how it was started. SSH is real: an OpenSSH server inside the namespace, reached by ``ssh`` in
batch mode through the same command builder, in a stand-in terminal that runs the command and keeps
its output.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from knockgui.core.connect import connect
from knockgui.core.model import Router, Service
from knockgui.core.secrets import MemorySecretStore, RouterSecret
from knockgui.core.sequence import parse_sequence
from knockgui.core.settings import Settings
from knockgui.core.store import Inventory
from tests.conftest import need
from tests.testbed import recorder
from tests.testbed.netns import NamespaceRouter, Stage, knock_ruleset, wait_for
from tests.testbed.routers import make_router
from tests.testbed.sshd import SSHServer, have_sshd

pytestmark = pytest.mark.root
Factory = Callable[..., NamespaceRouter]
SEED_TEXT = "1337:tcp 17954:udp"


@pytest.fixture
def records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A bin folder first on PATH with the recorder as WinBox and a terminal; where it writes its records."""
    _bin, out = recorder.use(tmp_path, monkeypatch, "WinBox", "kgterm")
    yield out
    (out / "stop").touch()  # release any recorder still holding


def _inventory(config_dir: Path, router: Router, text: str = SEED_TEXT, password: str | None = None) -> Inventory:
    inventory = Inventory.open(config_dir, MemorySecretStore())
    inventory.add(router, RouterSecret(parse_sequence(text), password))
    return inventory


def test_launches_winbox_after_the_port_opened(seed_router: NamespaceRouter, records: Path, config_dir: Path) -> None:
    router = Router(name="core", host=seed_router.router4, user="admin", pass_password=True)
    inventory = _inventory(config_dir, router, password="pw-123")
    assert not seed_router.is_open(8291)
    result = connect(inventory, inventory.find("core"), Settings())
    assert result.knock.was_successful() and result.was_successful()
    assert result.pid is not None and result.launched is not None
    assert result.message == f"Started Winbox to {seed_router.router4} as admin (pid {result.pid})."
    assert "pw-123" not in repr(result) and "pw-123" not in result.message
    assert wait_for(lambda: recorder.records(records), timeout=10)
    rec = recorder.records(records)[0]
    assert rec["name"] == "WinBox" and rec["pid"] == result.pid
    assert rec["argv"] == [seed_router.router4, "admin", "pw-123"]
    assert rec["sid"] == result.pid and rec["stdin"] == "/dev/null"
    assert seed_router.set_members("safe_4") == [seed_router.host4]
    assert result.keep_open is None


def test_ipv6_router_and_port_in_winbox_arguments(netns_router: Factory, records: Path, config_dir: Path) -> None:
    ns = netns_router(knock_ruleset([Stage.tcp(1337), Stage.udp(17954)]), ports=(8292,))
    router = make_router(name="v6", host=ns.router6, port=8292, user="admin", pass_password=False)
    inventory = _inventory(config_dir, router, password="never-shown")
    result = connect(inventory, inventory.find("v6"), Settings())
    assert result.was_successful(), result.message
    assert wait_for(lambda: recorder.records(records), timeout=10)
    assert recorder.records(records)[0]["argv"] == [f"[{ns.router6}]:8292", "admin"]


def test_nothing_is_launched_when_the_port_stays_closed(
    seed_router: NamespaceRouter, records: Path, config_dir: Path
) -> None:
    router = Router(name="core", host=seed_router.router4, user="admin", timeout_s=0.8)
    inventory = _inventory(config_dir, router, text="1338:tcp 17954:udp")  # wrong first port
    result = connect(inventory, inventory.find("core"), Settings())
    assert result.launched is None and result.pid is None and not result.was_successful()
    assert result.message.startswith(f"Winbox was not started. Port 8291 on {seed_router.router4} did not answer")
    assert "knock was probably not accepted" in result.message
    assert not wait_for(lambda: recorder.records(records), timeout=0.5)
    # Asked to launch anyway, it starts and says why that may not work.
    forced = connect(inventory, inventory.find("core"), Settings(), force=True)
    assert forced.pid is not None and "anyway" in forced.message and "did not answer" in forced.message
    assert wait_for(lambda: recorder.records(records), timeout=10)


def test_no_launch_only_knocks(seed_router: NamespaceRouter, records: Path, config_dir: Path) -> None:
    router = Router(name="core", host=seed_router.router4)
    inventory = _inventory(config_dir, router)
    result = connect(inventory, inventory.find("core"), Settings(), launch=False)
    assert result.knock.was_successful() and result.launched is None and result.pid is None
    assert result.message.startswith("Port 8291 on")
    assert not wait_for(lambda: recorder.records(records), timeout=0.3)


def test_keep_open_reknocks_on_schedule_and_stops_with_the_program(
    seed_router: NamespaceRouter, records: Path, config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KG_RECORDER_HOLD", "1")
    inventory = _inventory(config_dir, Router(name="core", host=seed_router.router4))
    # The router's own interval must be 10 s or more; the settings' default (used by --keep-open) may be 1 s.
    result = connect(inventory, inventory.find("core"), Settings(default_keep_open_s=1), keep_open=True)
    keeper = result.keep_open
    assert keeper is not None and "Re-knocking every 1 s" in result.message
    try:
        assert wait_for(lambda: keeper.knocks >= 2, timeout=15)
        assert wait_for(lambda: seed_router.counters()["knock1_4"] >= 3, timeout=5)
        assert wait_for(lambda: seed_router.counters()["knock2_4"] >= 3, timeout=5)  # whole sequences
    finally:
        (records / "stop").touch()
    assert result.process is not None and result.process.wait(10)
    assert keeper.join(10)
    sent = seed_router.counters()["knock1_4"]
    assert sent == 1 + keeper.knocks and keeper.failures == 0
    assert not wait_for(lambda: seed_router.counters()["knock1_4"] > sent, timeout=1.5)


def test_ssh_through_the_same_builder_against_a_real_sshd(
    netns_router: Factory, records: Path, config_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    need(have_sshd())
    ns = netns_router(knock_ruleset([Stage.tcp(1337), Stage.udp(17954)]), ports=(8291,))
    server = SSHServer(ns, tmp_path / "sshd").start()
    monkeypatch.setenv("KG_RECORDER_RUN", "1")  # the stand-in terminal runs its command and keeps the output
    options = " ".join(server.client_options()) + " -o 'RemoteCommand=echo knockgui-remote $SSH_CONNECTION'"
    settings = Settings(terminal="kgterm", ssh_options=options)
    router = make_router(name="ssh", host=ns.router4, service=Service.SSH, user=server.user, timeout_s=3)

    # Closed before the knock: nothing runs, and the message says why.
    closed = _inventory(config_dir / "closed", replace(router, timeout_s=1), text="1338:tcp 17954:udp")
    refused = connect(closed, closed.find("ssh"), settings)
    assert refused.pid is None and refused.message.startswith(
        f"OpenSSH in kgterm was not started. Port 22 on {ns.router4}"
    )
    assert not wait_for(lambda: recorder.records(records), timeout=0.3)

    inventory = _inventory(config_dir / "open", router)
    result = connect(inventory, inventory.find("ssh"), settings)
    assert result.was_successful(), result.message
    assert result.knock.check is not None and result.knock.check.port == 22
    assert wait_for(lambda: recorder.records(records), timeout=20)
    rec = recorder.records(records)[0]
    assert rec["argv"][:3] == ["-e", "/usr/bin/ssh", "-F"]
    assert rec["argv"][-3:] == ["-p", "22", f"{server.user}@{ns.router4}"]
    assert rec["returncode"] == 0, rec["errors"]
    # The remote command ran on the namespace's sshd: it saw us come from the host side of the veth.
    assert rec["output"].split() == ["knockgui-remote", ns.host4, rec["output"].split()[2], ns.router4, "22"]
