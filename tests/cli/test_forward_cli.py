"""``knockgui-cli forward``: a knock-first loopback port in front of a namespace router's service (an echo
server behind the seed's nftables rules), the sequence in a real keyring, driven as a process."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from knockgui.core.model import Router
from knockgui.core.secrets import KeyringSecretStore, RouterSecret
from knockgui.core.sequence import parse_sequence
from knockgui.core.store import Inventory
from tests.testbed import reset_sigint, stop_process
from tests.testbed.netns import NamespaceRouter, Stage, knock_ruleset
from tests.testbed.secret_service import SecretService

ECHO = r"""
import socket, sys, threading
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], 8291)); srv.listen(16)
print("ready", flush=True)
def echo(conn):
    with conn:
        while data := conn.recv(4096):
            conn.sendall(data)
while True:
    conn, _ = srv.accept()
    threading.Thread(target=echo, args=(conn,), daemon=True).start()
"""


@pytest.fixture
def echo_router(
    secret_service: SecretService, netns_router: Callable[..., NamespaceRouter], config_dir: Path
) -> NamespaceRouter:
    router = netns_router(knock_ruleset([Stage.tcp(1337), Stage.udp(17954)]), ports=())
    proc = router.popen(sys.executable, "-c", ECHO, router.router4, stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
    Inventory.open(config_dir, KeyringSecretStore()).add(
        Router(name="core", host=router.router4, timeout_s=3), RouterSecret(parse_sequence("1337:tcp 17954:udp"))
    )
    return router


def start_forward(*extra: str) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "knockgui.cli", "forward", "core", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=reset_sigint,  # a test stops it with Ctrl-C
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("Listening on 127.0.0.1:"), line + (proc.stderr.read() if proc.stderr else "")
    return proc, int(line.rsplit(":", 1)[1])


@pytest.fixture
def forward() -> Iterator[Callable[..., tuple[subprocess.Popen[str], int]]]:
    started: list[subprocess.Popen[str]] = []

    def make(*extra: str) -> tuple[subprocess.Popen[str], int]:
        proc, port = start_forward(*extra)
        started.append(proc)
        return proc, port

    yield make
    for proc in started:
        stop_process(proc)


def talk(sock: socket.socket, text: bytes) -> bytes:
    sock.sendall(text)
    got = b""
    while len(got) < len(text):
        chunk = sock.recv(4096)
        if not chunk:
            break
        got += chunk
    return got


@pytest.mark.root
@pytest.mark.keyring
def test_forward_knocks_then_relays_two_clients_at_once_on_loopback_only(
    echo_router: NamespaceRouter, forward: Callable[..., tuple[subprocess.Popen[str], int]]
) -> None:
    assert not echo_router.is_open(8291)
    proc, port = forward()
    assert echo_router.counters()["knock1_4"] == 0  # nothing is sent before a client connects
    listening = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True).stdout
    assert listening.split()[3] == f"127.0.0.1:{port}" and listening.count("\n") == 1, listening
    with pytest.raises(OSError):
        socket.create_connection((echo_router.host4, port), timeout=2).close()  # not on the LAN side

    with socket.create_connection(("127.0.0.1", port), timeout=10) as one:
        assert talk(one, b"first client\n") == b"first client\n"
        assert echo_router.counters()["knock1_4"] == 1 and echo_router.counters()["knock2_4"] == 1
        with socket.create_connection(("127.0.0.1", port), timeout=10) as two:
            assert talk(two, b"second client\n") == b"second client\n"
            assert talk(one, b"first again\n") == b"first again\n"
            big = bytes(range(256)) * 2048
            assert talk(two, big) == big
    assert echo_router.counters()["knock1_4"] == 1  # the second client used the port the first knock opened

    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=5)
    assert proc.returncode == 0
    assert err.splitlines()[-1] == "knockgui-cli: forwarding to core stopped."
    assert "1337" not in err


@pytest.mark.root
@pytest.mark.keyring
def test_forward_bounds_its_connections_and_stops_on_ctrl_c(
    echo_router: NamespaceRouter, forward: Callable[..., tuple[subprocess.Popen[str], int]]
) -> None:
    proc, port = forward("--max-connections", "1")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as one:
        assert talk(one, b"hi\n") == b"hi\n"
        with socket.create_connection(("127.0.0.1", port), timeout=10) as extra:
            extra.settimeout(5)
            assert extra.recv(10) == b""  # closed at once
        assert talk(one, b"still here\n") == b"still here\n"
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=5)
        one.settimeout(5)
        assert one.recv(10) == b""  # the relay ended with the forwarder
    assert proc.returncode == 0
    assert "1 connections are already relayed; a new one was closed" in err
    assert "Traceback" not in err


@pytest.mark.root
@pytest.mark.keyring
def test_forward_refuses_an_unknown_router_and_a_taken_port(
    echo_router: NamespaceRouter, forward: Callable[..., tuple[subprocess.Popen[str], int]]
) -> None:
    _proc, port = forward()
    taken = subprocess.run(
        [sys.executable, "-m", "knockgui.cli", "forward", "core", "--local-port", str(port)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert taken.returncode == 2
    assert taken.stderr.startswith(f"knockgui-cli: Could not listen on 127.0.0.1:{port} (Address already in use)")
    unknown = subprocess.run(
        [sys.executable, "-m", "knockgui.cli", "forward", "nowhere"], capture_output=True, text=True, timeout=30
    )
    assert unknown.returncode == 2 and unknown.stderr.count("\n") == 1 and 'router named "nowhere"' in unknown.stderr
