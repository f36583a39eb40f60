"""Random knock sequences: ports from a cryptographic random source (``secrets``).

Ports are 1024-65535 without repeats, avoiding ports that scanners probe most and ports that
MikroTik routers or common services use (a knock there would be noise, or would hit a service).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from knockgui.core.errors import InputError
from knockgui.core.sequence import MAX_STEPS, Protocol, Sequence, Step

MIN_PORT = 1024
DEFAULT_STEPS = 3

# Commonly scanned or service ports above 1023 (databases, remote desktops, proxies, IoT, MikroTik).
AVOID_PORTS: frozenset[int] = frozenset(
    {
        1080, 1194, 1337, 1433, 1434, 1521, 1701, 1723, 1812, 1813, 1883, 1900, 2000, 2049, 2082, 2083,
        2222, 2323, 2375, 2376, 3000, 3128, 3306, 3389, 3799, 4443, 4444, 4500, 4567, 5000, 5001, 5060,
        5061, 5222, 5353, 5432, 5555, 5601, 5678, 5683, 5800, 5900, 5901, 5902, 5903, 5984, 6000, 6379,
        6443, 6660, 6661, 6662, 6663, 6664, 6665, 6666, 6667, 6668, 6669, 7000, 7001, 7547, 7777, 8000,
        8001, 8008, 8009, 8080, 8081, 8082, 8088, 8089, 8090, 8181, 8291, 8443, 8728, 8729, 8888, 9000,
        9001, 9042, 9090, 9100, 9200, 9300, 9443, 9999, 10000, 10443, 11211, 12345, 17954, 20000, 20561,
        27017, 27018, 31337, 37215, 49152, 50000, 50070, 52869, 54321, 60000, 65535,
    }
)  # fmt: skip


def pick_port(avoid: Iterable[int] = ()) -> int:
    """One random port in 1024-65535 not in :data:`AVOID_PORTS` nor in ``avoid``."""
    taken = set(avoid) | AVOID_PORTS
    while True:
        port = MIN_PORT + secrets.randbelow(65536 - MIN_PORT)
        if port not in taken:
            return port


def generate_sequence(
    steps: int = DEFAULT_STEPS,
    protocols: Iterable[Protocol] = (Protocol.TCP, Protocol.UDP),
    delay_ms: int = 0,
) -> Sequence:
    """A random sequence of ``steps`` TCP/UDP knocks (protocol chosen at random from ``protocols``)."""
    kinds = [Protocol(p) for p in protocols]
    if not kinds or Protocol.ICMP in kinds:
        raise InputError("Random sequences use tcp and udp steps; choose tcp, udp or both.")
    if not 1 <= steps <= MAX_STEPS:
        raise InputError(f"The number of steps must be 1-{MAX_STEPS}.")
    ports: list[int] = []
    for _ in range(steps):
        ports.append(pick_port(ports))
    return Sequence(tuple(Step(secrets.choice(kinds), port=p) for p in ports), delay_ms=delay_ms)
