"""``knockgui-cli knock`` driven as a process: exit codes, one-line messages, -v output, no Qt."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import need
from tests.testbed.netns import NamespaceRouter

ROOT = Path(__file__).resolve().parents[2]
ENTRY = Path(sys.executable).parent / "knockgui-cli"


def cli(*args: str, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    cmd = [*prefix, sys.executable, "-m", "knockgui.cli", "knock", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=ROOT)


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert lines[0].startswith("knockgui-cli: ")
    return lines[0]


@pytest.fixture
def udp_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def test_exit_0_sent_and_quiet(udp_port: int) -> None:
    proc = cli("127.0.0.1", f"{udp_port}:udp", f"{udp_port}:udp:x", "--delay", "10")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_exit_0_port_open_with_verbose_steps(listener: int, udp_port: int) -> None:
    proc = cli("127.0.0.1", f"{udp_port}:udp", str(listener), "--check", str(listener), "-v")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"Port {listener} on 127.0.0.1 is open") and proc.stdout.count("\n") == 1
    err = proc.stderr.splitlines()
    assert err[:3] == [
        "knockgui-cli: resolving 127.0.0.1",
        f"knockgui-cli: step 1 of 2 sent: {udp_port}/udp",
        f"knockgui-cli: step 2 of 2 sent: {listener}/tcp",
    ]
    assert err[-1].startswith(f"knockgui-cli: port {listener} opened after ") and "ms (attempt 1)" in err[-1]


def test_exit_1_port_did_not_open(udp_port: int) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]  # bound, never listening: refused
        proc = cli("127.0.0.1", f"{udp_port}:udp", "--check", str(closed), "--timeout", "2")
    assert proc.returncode == 1 and proc.stdout == ""
    assert "refused the connection" in one_line(proc.stderr)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("127.0.0.1", "1337", "70000:tcp"), "Knock step 2 is invalid: port must be 1-65535."),
        (("127.0.0.1", "1337:sctp"), "Knock step 1 is invalid: unknown protocol; use tcp, udp or icmp."),
        (("127.0.0.1", "icmp:20"), "ICMP size must be 28-65535"),
        (("127.0.0.1",), "No knock steps were given"),
        (("127.0.0.1", "1337", "--check", "http"), '--check must be a whole number from 1 to 65535, not "http"'),
        (("127.0.0.1", "1337", "--delay=-5"), "--delay must be a whole number"),
        (("127.0.0.1", "1337", "--timeout", "0"), "--timeout must be a number of seconds above 0"),
        (("-6", "127.0.0.1", "1337"), "127.0.0.1 is an IPv4 address, but IPv6 was asked for"),
        (("[]", "1337"), "The host is empty"),
    ],
)
def test_exit_2_bad_input_one_sentence(args: tuple[str, ...], expected: str) -> None:
    proc = cli(*args)
    assert proc.returncode == 2
    assert expected in one_line(proc.stderr)


def test_exit_2_usage_error() -> None:
    proc = cli("-4", "-6", "127.0.0.1", "1")
    assert proc.returncode == 2 and "not allowed with argument" in proc.stderr


def test_exit_3_unresolvable_name() -> None:
    proc = cli("no-such-router.invalid", "1337")
    assert proc.returncode == 3
    assert 'The host name "no-such-router.invalid" could not be resolved' in one_line(proc.stderr)


COUNT_UDP_OUT = """
table inet count {
  chain out {
    type filter hook output priority filter; policy accept;
    udp dport 40000 counter comment "udp_out"
  }
}
"""


def test_exit_3_icmp_not_permitted_says_what_to_change_before_sending_anything(netns_router: object) -> None:
    """In a fresh namespace ping sockets are closed (ping_group_range "1 0"); a user without root gets
    a sentence naming the fix, and not even the UDP step before the ICMP step goes out."""
    need("" if shutil.which("setpriv") else "needs setpriv (Debian package util-linux)")
    ns: NamespaceRouter = netns_router(ports=())  # type: ignore[operator]
    assert ns.exec("sysctl", "-n", "net.ipv4.ping_group_range").split() == ["1", "0"]
    ns.load_rules(COUNT_UDP_OUT)
    in_ns = ("ip", "netns", "exec", ns.name)
    nobody = (*in_ns, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--")
    proc = cli("127.0.0.1", "40000:udp", "icmp:64", prefix=nobody)
    assert proc.returncode == 3, proc.stderr
    assert "net.ipv4.ping_group_range" in one_line(proc.stderr) and "root" in proc.stderr
    assert ns.counters()["udp_out"] == 0  # refused before the first step: no half-sent sequence
    as_root = cli("127.0.0.1", "40000:udp", "icmp:64", prefix=in_ns)  # root: a raw socket works
    assert as_root.returncode == 0, as_root.stderr
    assert ns.counters()["udp_out"] == 1


def test_exit_3_no_route_is_a_local_problem(netns_router: object) -> None:
    router: NamespaceRouter = netns_router(ports=())  # type: ignore[operator]
    # Inside the router's namespace only its own /24 is routed: a send elsewhere fails locally.
    a, b = router.router4.split(".")[1:3]
    unrouted = f"10.{a}.{(int(b) % 250) + 1}.9"
    proc = cli(unrouted, "1337", prefix=("ip", "netns", "exec", router.name))
    assert proc.returncode == 3
    line = one_line(proc.stderr)
    assert "Knock step 1 of 1 (tcp) could not be sent" in line and "unreachable" in line
    assert "1337" not in line  # the failing step is named by number, not by its (secret) port


def test_entry_point_and_no_qt_import(udp_port: int) -> None:
    proc = subprocess.run(
        [str(ENTRY), "knock", "127.0.0.1", f"{udp_port}:udp"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    code = (
        "import sys; from knockgui.cli import main; "
        f"rc = main(['knock', '127.0.0.1', '{udp_port}:udp']); "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6')); "
        "print(rc, bad)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.stdout.strip() == "0 []", proc.stdout + proc.stderr


def test_against_the_namespace_router_open_then_closed_for_a_wrong_knock(seed_router: NamespaceRouter) -> None:
    wrong = cli(seed_router.router4, "17954:udp", "1337", "--check", "8291", "--timeout", "0.8")
    assert wrong.returncode == 1
    assert "did not answer within 0.8 s: the knock was probably not accepted" in one_line(wrong.stderr)
    right = cli(seed_router.router6, "1337", "17954:udp", "--check", "8291", "-6", "-v")
    assert right.returncode == 0, right.stderr
    assert f"Port 8291 on {seed_router.router6} is open" in right.stdout
    assert seed_router.set_members("safe_6") == [seed_router.host6]
