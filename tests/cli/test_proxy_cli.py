"""``knockgui-cli proxy`` as OpenSSH's ProxyCommand and ``knockgui-cli ssh-config``, against a real sshd
inside a knock-protected namespace router (the seed's rules), with the sequence in a real keyring."""

from __future__ import annotations

import json
import shlex
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from knockgui.core.model import Service
from knockgui.core.secrets import KeyringSecretStore, RouterSecret
from knockgui.core.sequence import parse_sequence
from knockgui.core.store import Inventory
from tests.testbed.netns import NamespaceRouter
from tests.testbed.routers import make_router
from tests.testbed.secret_service import SecretService
from tests.testbed.sshd import SSHServer

PROXY = f"{shlex.quote(sys.executable)} -m knockgui.cli proxy %h %p"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "knockgui.cli", *args], capture_output=True, text=True, timeout=60)


@pytest.mark.root
@pytest.mark.keyring
def test_ssh_and_scp_through_the_proxy_and_not_without(
    office: tuple[NamespaceRouter, SSHServer], tmp_path: Path
) -> None:
    router, sshd = office
    target = f"{sshd.user}@{router.router4}"
    direct = subprocess.run(
        ["ssh", *sshd.client_options(), "-o", "ConnectTimeout=2", target, "echo", "hello"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert direct.returncode == 255 and "timed out" in direct.stderr, direct.stderr
    assert router.counters()["knock1_4"] == 0

    proxied = subprocess.run(
        ["ssh", *sshd.client_options(), "-o", f"ProxyCommand={PROXY}", target, "echo", "hello from $(hostname)"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proxied.returncode == 0, proxied.stderr
    assert proxied.stdout.startswith("hello from ")
    assert router.counters()["knock1_4"] == 1 and router.counters()["knock2_4"] == 1

    payload = tmp_path / "backup.rsc"
    payload.write_bytes(bytes(range(256)) * 4096)  # 1 MiB, every byte value
    copied = tmp_path / "copied.rsc"
    scp = subprocess.run(
        ["scp", *sshd.client_options(), "-o", f"ProxyCommand={PROXY}", str(payload), f"{target}:{copied}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert scp.returncode == 0, scp.stderr
    assert copied.read_bytes() == payload.read_bytes()
    back = tmp_path / "back.rsc"
    scp = subprocess.run(
        ["scp", *sshd.client_options(), "-o", f"ProxyCommand={PROXY}", f"{target}:{copied}", str(back)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert scp.returncode == 0, scp.stderr
    assert back.read_bytes() == payload.read_bytes()
    # The first connection's knock still lists this computer (open.json): the later ones knock no more.
    assert router.counters()["knock1_4"] == 1
    # The router forgets the address (a restart): the quick connect fails, the proxy knocks again.
    router.exec("nft", "flush", "set", "inet", "knock", "safe_4")
    again = subprocess.run(
        ["ssh", *sshd.client_options(), "-o", f"ProxyCommand={PROXY}", target, "echo", "again"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 0 and again.stdout == "again\n", again.stderr
    assert router.counters()["knock1_4"] == 2


@pytest.mark.root
@pytest.mark.keyring
def test_ssh_config_blocks_log_in_by_the_routers_name(
    office: tuple[NamespaceRouter, SSHServer], config_dir: Path, tmp_path: Path
) -> None:
    router, sshd = office
    done = cli("--config-dir", str(config_dir), "ssh-config", "off")
    assert done.returncode == 0, done.stderr
    assert "Host Office\n" in done.stdout and f"    HostName {router.router4}\n" in done.stdout
    assert "    Port 22\n" in done.stdout and f"    User {sshd.user}\n" in done.stdout
    assert "Host Wrong" not in done.stdout and "1337" not in done.stdout
    config = tmp_path / "ssh_config"
    config.write_text(done.stdout)
    options = [opt for opt in sshd.client_options() if opt not in ("-F", "/dev/null")]
    login = subprocess.run(
        ["ssh", "-F", str(config), *options, "Office", "echo", "by name"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert login.returncode == 0, login.stderr
    assert login.stdout == "by name\n"
    everything = cli("ssh-config")
    assert "Host Office" in everything.stdout and "Host Wrong" in everything.stdout
    assert f"HostName {router.router6}\n" in everything.stdout  # brackets off for ssh


@pytest.mark.root
@pytest.mark.keyring
def test_proxy_failures_are_one_line_that_ssh_shows(office: tuple[NamespaceRouter, SSHServer]) -> None:
    router, sshd = office
    closed = subprocess.run(
        ["ssh", *sshd.client_options(), "-o", f"ProxyCommand={PROXY}", f"{sshd.user}@{router.router6}", "true"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert closed.returncode == 255
    assert (
        f"knockgui-cli: Port 22 on {router.router6} did not answer within 1 s: the knock was probably not accepted"
        in closed.stderr
    )
    assert "Traceback" not in closed.stderr and "1338" not in closed.stderr

    proc = subprocess.run(
        [sys.executable, "-m", "knockgui.cli", "proxy", "10.1.2.3", "22"],
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == (
        'knockgui-cli: No saved router is named "10.1.2.3" or has it as its host; add it with knockgui-cli add, '
        "or see knockgui-cli list.\n"
    )
    bad = cli("proxy", "Office", "ssh")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and 'not "ssh"' in bad.stderr


@pytest.mark.keyring
def test_proxy_uses_a_remembered_address_only_when_the_host_still_resolves_to_it(
    secret_service: SecretService, config_dir: Path
) -> None:
    """An edited open.json that says another address is open for the router must not make the proxy relay
    ssh there without a knock: the host (127.0.0.1) does not resolve to it, so the proxy knocks the host and
    tries the host's port, which refuses (everything on loopback)."""
    elsewhere = socket.create_server(("127.0.0.3", 0))
    port = elsewhere.getsockname()[1]

    def serve() -> None:
        try:
            conn, _ = elsewhere.accept()
        except OSError:
            return
        with conn:
            conn.sendall(b"SSH-2.0-elsewhere\r\n")

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    try:
        inventory = Inventory.open(config_dir, KeyringSecretStore())
        router = make_router("Lab", "127.0.0.1", service=Service.SSH, port=port, timeout_s=1)
        inventory.add(router, RouterSecret(parse_sequence("9:udp")))
        listed = {router.id: {"address": "127.0.0.3", "until": time.time() + 3600}}
        (config_dir / "open.json").write_text(json.dumps(listed))
        proxied = subprocess.run(
            [sys.executable, "-m", "knockgui.cli", "proxy", "Lab", str(port)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=60,
        )
    finally:
        elsewhere.close()
    assert b"elsewhere" not in proxied.stdout
    assert proxied.returncode == 1, proxied.stderr
    assert b"refused the connection" in proxied.stderr
