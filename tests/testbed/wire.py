"""A namespace router behind a slow link: many router addresses (as tests/testbed/fleet.py) reached over
a pair of TUN devices joined by a small program that delays every packet the router sends.

This kernel has no ``sch_netem`` (``tc qdisc ... netem`` says "unknown qdisc"), so the delay is made in
user space: the wire program opens both TUN devices (``<name>h`` here, ``<name>r`` moved into the
namespace), copies each packet from one to the other, and holds the router's packets ``delay_ms``
before passing them on, as ``tc qdisc add dev <router side> root netem delay <delay_ms>ms`` would.
Packets from this host pass at once. The addresses come from a 10.251-254.0.0/16 that the one-router
testbed never picks.
"""

from __future__ import annotations

import os
import random
import secrets
import subprocess
import sys
from dataclasses import dataclass, field

from tests.testbed import stop_process
from tests.testbed.fleet import FLEET_RULES
from tests.testbed.netns import LISTENER, _used_subnets, remove_namespace, run

WIRE = r"""
import fcntl, heapq, os, selectors, struct, sys, time
TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454CA, 0x0001, 0x1000
def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd
host, router, delay = open_tun(sys.argv[1]), open_tun(sys.argv[2]), float(sys.argv[3]) / 1000
sel = selectors.DefaultSelector()
sel.register(host, selectors.EVENT_READ, (router, 0.0))
sel.register(router, selectors.EVENT_READ, (host, delay))
print("ready", flush=True)
queue, n = [], 0
while True:
    wait = max(0.0, queue[0][0] - time.monotonic()) if queue else None
    for key, _ in sel.select(wait):
        out, hold = key.data
        while True:
            try:
                packet = os.read(key.fd, 65535)
            except BlockingIOError:
                break
            n += 1
            heapq.heappush(queue, (time.monotonic() + hold, n, out, packet))
    now = time.monotonic()
    while queue and queue[0][0] <= now:
        _, _, out, packet = heapq.heappop(queue)
        try:
            os.write(out, packet)
        except OSError:
            pass
"""


def have_tun() -> str:
    return "" if os.path.exists("/dev/net/tun") else "needs /dev/net/tun (the tun kernel module)"


@dataclass
class DelayedFleet:
    count: int
    delay_ms: int = 100
    name: str = field(default_factory=lambda: "kw" + secrets.token_hex(3))
    host: str = ""
    addresses: list[str] = field(default_factory=list)
    _procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def host_if(self) -> str:
        return f"{self.name}h"

    @property
    def router_if(self) -> str:
        return f"{self.name}r"

    def _popen(self, argv: list[str], netns: bool) -> subprocess.Popen[bytes]:
        prefix = ["ip", "netns", "exec", self.name] if netns else []
        proc = subprocess.Popen([*prefix, *argv], stdout=subprocess.PIPE)
        self._procs.append(proc)
        assert proc.stdout is not None
        if b"ready" not in proc.stdout.readline():
            raise RuntimeError(f"{argv[:3]} did not start")
        return proc

    def start(self) -> DelayedFleet:
        used = {a for a, _b in _used_subnets()}
        free = [a for a in range(251, 255) if a not in used]
        if not free:
            raise RuntimeError("no free 10.251-254.0.0/16 for the fleet testbed")
        a = random.SystemRandom().choice(free)
        self.host = f"10.{a}.0.1"
        self.addresses = [f"10.{a}.{1 + i // 250}.{1 + i % 250}" for i in range(self.count)]
        try:
            run("ip", "netns", "add", self.name)
            run("ip", "tuntap", "add", "dev", self.host_if, "mode", "tun")
            run("ip", "tuntap", "add", "dev", self.router_if, "mode", "tun")
            for dev in (self.host_if, self.router_if):  # a queue long enough for a burst of 1,000 knocks
                run("ip", "link", "set", "dev", dev, "txqueuelen", "20000")
            self._popen([sys.executable, "-c", WIRE, self.host_if, self.router_if, str(self.delay_ms)], netns=False)
            run("ip", "link", "set", self.router_if, "netns", self.name)
            run("ip", "addr", "add", f"{self.host}/16", "dev", self.host_if)
            run("ip", "link", "set", self.host_if, "up")
            batch = "".join(f"addr add {addr}/16 dev {self.router_if}\n" for addr in self.addresses)
            batch += f"link set {self.router_if} up\nlink set lo up\n"
            run("ip", "-batch", "-", netns=self.name, input=batch)
            run("nft", "-f", "-", netns=self.name, input=FLEET_RULES)
            self._popen([sys.executable, "-c", LISTENER, "0.0.0.0,8291"], netns=True)
        except BaseException:
            self.close()
            raise
        return self

    def flush(self) -> None:
        """Forget every knock (both sets), so the next run must knock again."""
        run("nft", "-f", "-", netns=self.name, input="flush set inet fleet stage1\nflush set inet fleet safe\n")

    def close(self) -> None:
        for proc in self._procs:
            stop_process(proc, timeout=3)
        self._procs.clear()
        remove_namespace(self.name, self.host_if)
        subprocess.run(["ip", "tuntap", "del", "dev", self.router_if, "mode", "tun"], capture_output=True)

    def __enter__(self) -> DelayedFleet:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
