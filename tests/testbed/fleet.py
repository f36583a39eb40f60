"""Many routers in one namespace: one address per router on the router's side of the link, each with
its own knock state (nftables sets keyed by source and destination address), so a knock on one address
opens only that address. A TCP listener on port 8291 answers on every address.

``FleetRouter(count).start()`` puts ``count`` addresses from a private /16 (10.251-254.0.0/16, which the
one-router testbed never picks) on the namespace router, next to the usual /24 of
:class:`~tests.testbed.netns.NamespaceRouter`. ``addresses`` lists them; ``close()`` removes it all.
"""

from __future__ import annotations

import random
import subprocess
import sys
from dataclasses import dataclass, field

from tests.testbed.netns import LISTENER, NamespaceRouter, _used_subnets, run

FLEET_RULES = """\
table inet fleet {
  set stage1 { type ipv4_addr . ipv4_addr; flags dynamic, timeout; timeout 15s; size 65535; }
  set safe { type ipv4_addr . ipv4_addr; flags dynamic, timeout; timeout 3h; size 65535; }
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    iif "lo" accept
    udp dport 17954 ip saddr . ip daddr @stage1 counter update @safe { ip saddr . ip daddr timeout 3h } comment "knock2"
    tcp dport 1337 tcp flags & (syn|ack) == syn counter update @stage1 { ip saddr . ip daddr timeout 15s } \
comment "knock1"
    ip saddr . ip daddr @safe accept
    counter drop comment "drop"
  }
}
"""
SEQUENCE = "1337:tcp 17954:udp"
WRONG_SEQUENCE = "1338:tcp 17954:udp"


@dataclass
class FleetRouter:
    count: int
    router: NamespaceRouter = field(default_factory=lambda: NamespaceRouter(ruleset=FLEET_RULES, ports=()))
    host: str = ""
    addresses: list[str] = field(default_factory=list)

    def start(self) -> FleetRouter:
        if not 1 <= self.count <= 60000:
            raise ValueError("count must be 1-60000")
        self.router.start()
        try:
            used = {a for a, _b in _used_subnets()}
            free = [a for a in range(251, 255) if a not in used]
            if not free:
                raise RuntimeError("no free 10.251-254.0.0/16 for the fleet testbed")
            a = random.SystemRandom().choice(free)
            self.host = f"10.{a}.0.1"
            run("ip", "addr", "add", f"{self.host}/16", "dev", self.router.host_if)
            self.addresses = [f"10.{a}.{1 + i // 250}.{1 + i % 250}" for i in range(self.count)]
            batch = "".join(f"addr add {addr}/16 dev {self.router.router_if}\n" for addr in self.addresses)
            run("ip", "-batch", "-", netns=self.router.name, input=batch)
            proc = self.router.popen(sys.executable, "-c", LISTENER, "0.0.0.0,8291", stdout=subprocess.PIPE)
            assert proc.stdout is not None
            if b"ready" not in proc.stdout.readline():
                raise RuntimeError("the fleet listener did not start")
        except BaseException:
            self.close()
            raise
        return self

    def counters(self) -> dict[str, int]:
        return self.router.counters()

    def close(self) -> None:
        self.router.close()

    def __enter__(self) -> FleetRouter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
