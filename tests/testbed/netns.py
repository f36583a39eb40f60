"""A router to knock on: nftables in a network namespace reproducing the RouterOS port-knocking rules.

The namespace is joined to this host by a veth pair on a private 10.x.y.0/24 (and fd4b:x:y::/64)
that no other test uses. The rules mirror the seed (../shared/seed): one dynamic set per stage with a
short timeout, chained like RouterOS ``src-address-list``, the last stage adds the source to
``safe`` (the seed's "Save Haven") for a long time, ``safe`` is accepted, everything else dropped.
"""

from __future__ import annotations

import ipaddress
import json
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.testbed import stop_process

LISTENER = r"""
import selectors, socket, sys
sel = selectors.DefaultSelector()
for spec in sys.argv[1:]:
    addr, port = spec.rsplit(",", 1)
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, int(port)))
    s.listen(64)
    sel.register(s, selectors.EVENT_READ)
print("ready", flush=True)
while True:
    for key, _ in sel.select():
        conn, _ = key.fileobj.accept()
        try:
            conn.sendall(b"knockgui-testbed\r\n")
        except OSError:
            pass
        conn.close()
"""

ECHO = r"""
import socket, sys, threading
addr, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen(16)
print("ready", flush=True)
def serve(conn):
    with conn:
        try:
            while data := conn.recv(4096):
                conn.sendall(data)
        except OSError:
            pass
while True:
    threading.Thread(target=serve, args=(s.accept()[0],), daemon=True).start()
"""


def have_root_netns() -> str:
    """Return '' when namespaces can be used here, else the reason they cannot."""
    if os.geteuid() != 0:
        return "needs root for network namespaces and nftables"
    for tool in ("ip", "nft"):
        if not shutil.which(tool):
            return f"needs the '{tool}' program (Debian packages iproute2, nftables)"
    return ""


def run(*args: str, netns: str | None = None, input: str | None = None) -> str:
    cmd = list(args)
    if netns:
        cmd = ["ip", "netns", "exec", netns, *cmd]
    proc = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=30)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr.strip()}")
    return proc.stdout


def _used_subnets() -> set[tuple[int, int]]:
    used = set()
    out = run("ip", "-j", "-4", "addr")
    for link in json.loads(out or "[]"):
        for info in link.get("addr_info", []):
            parts = info.get("local", "").split(".")
            if len(parts) == 4 and parts[0] == "10":
                used.add((int(parts[1]), int(parts[2])))
    return used


@dataclass(frozen=True)
class Stage:
    """One knock rule: an nftables match for IPv4 and (optionally) IPv6, e.g. ``tcp dport 1337``."""

    match4: str
    match6: str | None = None

    @staticmethod
    def tcp(port: int) -> Stage:
        m = f"tcp dport {port} tcp flags & (syn|ack) == syn"
        return Stage(m, m)

    @staticmethod
    def udp(port: int, payload_hex: str = "") -> Stage:
        m = f"udp dport {port}"
        if payload_hex:
            m += f" @th,64,{len(payload_hex) * 4} 0x{payload_hex}"
        return Stage(m, m)

    @staticmethod
    def icmp(size: int) -> Stage:
        # RouterOS packet-size = whole IP packet; IPv6 "length" in nft is the payload length.
        return Stage(
            f"icmp type echo-request ip length {size}",
            f"icmpv6 type echo-request ip6 length {size - 20}",
        )


def knock_ruleset(stages: list[Stage], stage_timeout: str = "15s", final_timeout: str = "3h", extra: str = "") -> str:
    """nftables rules reproducing the seed's RouterOS recipe for any number of stages."""
    lines = ["table inet knock {"]
    for i in range(1, len(stages)):
        for fam, typ in (("4", "ipv4_addr"), ("6", "ipv6_addr")):
            lines.append(f"  set stage{i}_{fam} {{ type {typ}; flags dynamic, timeout; timeout {stage_timeout}; }}")
    lines.append(f"  set safe_4 {{ type ipv4_addr; flags dynamic, timeout; timeout {final_timeout}; }}")
    lines.append(f"  set safe_6 {{ type ipv6_addr; flags dynamic, timeout; timeout {final_timeout}; }}")
    lines.append("  chain input {")
    lines.append("    type filter hook input priority filter; policy drop;")
    lines.append("    ct state established,related accept")
    lines.append('    iif "lo" accept')
    lines.append("    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert } accept")
    if extra:
        lines.append("    " + extra)
    n = len(stages)
    for i, stage in enumerate(stages):
        for fam, match, saddr in (("4", stage.match4, "ip saddr"), ("6", stage.match6, "ip6 saddr")):
            if match is None:
                continue
            cond = f"{saddr} @stage{i}_{fam} " if i > 0 else ""
            if fam == "4" and i == 0:
                cond = "meta nfproto ipv4 "
            if fam == "6" and i == 0:
                cond = "meta nfproto ipv6 "
            target = f"safe_{fam}" if i == n - 1 else f"stage{i + 1}_{fam}"
            timeout = final_timeout if i == n - 1 else stage_timeout
            lines.append(
                f"    {cond}{match} counter update @{target} {{ {saddr} timeout {timeout} }}"
                f' comment "knock{i + 1}_{fam}"'
            )
    lines.append("    ip saddr @safe_4 accept")
    lines.append("    ip6 saddr @safe_6 accept")
    lines.append('    counter drop comment "drop"')
    lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


@dataclass
class NamespaceRouter:
    """A namespace router. Use as a context manager or call :meth:`close`."""

    ruleset: str = ""
    ports: tuple[int, ...] = (8291, 22)
    name: str = field(default_factory=lambda: "kg" + secrets.token_hex(3))
    host4: str = ""
    router4: str = ""
    host6: str = ""
    router6: str = ""
    _procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def host_if(self) -> str:
        return f"{self.name}h"

    @property
    def router_if(self) -> str:
        return f"{self.name}r"

    def start(self) -> NamespaceRouter:
        used = _used_subnets()
        rng = random.SystemRandom()
        while True:
            a, b = rng.randint(64, 250), rng.randint(1, 254)
            if (a, b) not in used:
                break
        self.host4, self.router4 = f"10.{a}.{b}.1", f"10.{a}.{b}.2"
        self.host6, self.router6 = f"fd4b:{a:x}:{b:x}::1", f"fd4b:{a:x}:{b:x}::2"
        try:
            run("ip", "netns", "add", self.name)
            run("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.router_if)
            run("ip", "link", "set", self.router_if, "netns", self.name)
            run("ip", "addr", "add", f"{self.host4}/24", "dev", self.host_if)
            run("ip", "-6", "addr", "add", f"{self.host6}/64", "dev", self.host_if, "nodad")
            run("ip", "link", "set", self.host_if, "up")
            ns = self.name
            run("ip", "addr", "add", f"{self.router4}/24", "dev", self.router_if, netns=ns)
            run("ip", "-6", "addr", "add", f"{self.router6}/64", "dev", self.router_if, "nodad", netns=ns)
            run("ip", "link", "set", self.router_if, "up", netns=ns)
            run("ip", "link", "set", "lo", "up", netns=ns)
            if self.ruleset:
                self.load_rules(self.ruleset)
            if self.ports:
                self.listen(*self.ports)
            self._wait_link()
        except BaseException:
            self.close()
            raise
        return self

    def _wait_link(self) -> None:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            out = run("ip", "-6", "addr", "show", "dev", self.host_if)
            if "tentative" not in out:
                return
            time.sleep(0.05)

    def load_rules(self, ruleset: str) -> None:
        run("nft", "flush", "ruleset", netns=self.name)
        run("nft", "-f", "-", netns=self.name, input=ruleset)

    def exec(self, *args: str) -> str:
        return run(*args, netns=self.name)

    def popen(self, *args: str, **kwargs: object) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(["ip", "netns", "exec", self.name, *args], **kwargs)  # type: ignore[call-overload]
        self._procs.append(proc)
        return proc

    def listen(self, *ports: int) -> None:
        """TCP listeners inside the router on its IPv4 and IPv6 addresses (accept, greet, close)."""
        specs = [f"{addr},{port}" for port in ports for addr in (self.router4, self.router6)]
        proc = self.popen(sys.executable, "-c", LISTENER, *specs, stdout=subprocess.PIPE)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if b"ready" not in line:
            raise RuntimeError("the namespace listener did not start")

    def echo(self, port: int, family: int = socket.AF_INET) -> None:
        """A TCP echo server inside the router that keeps each connection open (for established sessions)."""
        addr = self.router4 if family == socket.AF_INET else self.router6
        proc = self.popen(sys.executable, "-c", ECHO, addr, str(port), stdout=subprocess.PIPE)
        assert proc.stdout is not None
        if b"ready" not in proc.stdout.readline():
            raise RuntimeError("the namespace echo server did not start")

    def counters(self) -> dict[str, int]:
        """Packets counted per rule comment (``knock1_4``, ``drop``...)."""
        data = json.loads(self.exec("nft", "-j", "list", "ruleset"))
        result: dict[str, int] = {}
        for item in data.get("nftables", []):
            rule = item.get("rule")
            if not rule or "comment" not in rule:
                continue
            for expr in rule.get("expr", []):
                if "counter" in expr:
                    result[rule["comment"]] = expr["counter"]["packets"]
        return result

    def set_members(self, name: str) -> list[str]:
        data = json.loads(self.exec("nft", "-j", "list", "set", "inet", "knock", name))
        for item in data.get("nftables", []):
            if "set" in item:
                elems = item["set"].get("elem", [])
                out = []
                for e in elems:
                    v = e["elem"]["val"] if isinstance(e, dict) and "elem" in e else e
                    out.append(str(v))
                return out
        return []

    def is_open(self, port: int, family: int = socket.AF_INET, timeout: float = 0.5) -> bool:
        """Whether a TCP connection from this host to the router's port succeeds now."""
        addr = self.router4 if family == socket.AF_INET else self.router6
        try:
            with socket.create_connection((addr, port), timeout=timeout):
                return True
        except OSError:
            return False

    def close(self) -> None:
        for proc in self._procs:
            stop_process(proc, timeout=3)
        self._procs.clear()
        remove_namespace(self.name, self.host_if)

    def __enter__(self) -> NamespaceRouter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def remove_namespace(name: str, host_link: str) -> None:
    """Kill anything still running inside namespace ``name``, then remove it and this host's end of its link."""
    pids = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True).stdout.split()
    for pid in pids:
        try:
            os.kill(int(pid), 9)
        except (ProcessLookupError, ValueError):
            pass
    subprocess.run(["ip", "netns", "del", name], capture_output=True)
    subprocess.run(["ip", "link", "del", host_link], capture_output=True)


def assert_test_address(addr: str) -> None:
    """Guard: tests may only send to loopback or a testbed namespace (10.64-250.x.2, fd4b::/16)."""
    ip = ipaddress.ip_address(addr)
    assert ip.is_loopback or str(ip).startswith(("10.", "fd4b:")), f"refusing test traffic to {addr}"


def wait_for(predicate: object, timeout: float = 5.0, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(interval)
    return False


def write_file(path: Path, text: str) -> Path:
    path.write_text(text)
    return path
