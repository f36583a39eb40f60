"""What arrives at a namespace router: an AF_PACKET socket on its interface, inside the namespace,
printing one line per incoming TCP or UDP packet (in arrival order): ``tcp PORT FLAGS`` or ``udp PORT
PAYLOAD_HEX``, with the IP version. ``Sniffer(router).start()``; ``packets()`` reads what has arrived;
``mark()`` sends a marker datagram so that the packets of several runs can be told apart.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time

from tests.testbed.netns import NamespaceRouter

MARK_PORT = 65000

SNIFFER = r"""
import socket, struct, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0003))
s.bind((sys.argv[1], 0))
print("ready", flush=True)
while True:
    data, addr = s.recvfrom(65535)
    if addr[2] != 0:  # PACKET_HOST only: what arrives for the router
        continue
    version = data[0] >> 4
    if version == 4:
        ihl = (data[0] & 15) * 4
        proto, body = data[9], data[ihl:]
    elif version == 6:
        proto, body = data[6], data[40:]
    else:
        continue
    if proto == 6:
        flags = body[13]
        print(f"ip{version} tcp {struct.unpack('!H', body[2:4])[0]} {flags:#04x}", flush=True)
    elif proto == 17:
        print(f"ip{version} udp {struct.unpack('!H', body[2:4])[0]} {body[8:].hex() or '-'}", flush=True)
"""


class Sniffer:
    def __init__(self, router: NamespaceRouter) -> None:
        self.router = router
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[str] | None = None

    def start(self) -> Sniffer:
        proc = self.router.popen(
            sys.executable, "-c", SNIFFER, self.router.router_if, stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError("the sniffer did not start")
        self._proc = proc  # type: ignore[assignment]
        threading.Thread(target=self._read, daemon=True).start()
        return self

    def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for line in self._proc.stdout:
            with self._lock:
                self._lines.append(line.strip())

    def packets(self) -> list[str]:
        with self._lock:
            return list(self._lines)

    def mark(self, family: int = socket.AF_INET) -> list[str]:
        """Send a marker datagram, wait until it arrived, return (and forget) the packets before it."""
        addr = self.router.router4 if family == socket.AF_INET else self.router.router6
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            sock.sendto(b"mark", (addr, MARK_PORT))
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with self._lock:
                for i, line in enumerate(self._lines):
                    if f" udp {MARK_PORT} " in line:
                        before, self._lines = self._lines[:i], self._lines[i + 1 :]
                        return before
            time.sleep(0.01)
        raise RuntimeError("the marker packet never arrived")
