"""Knock a loopback listener with a built CLI (TCP, UDP, ICMP), as the release workflow does on each runner.

python build_scripts/knock_loopback.py PATH-TO-knockgui-cli
"""

from __future__ import annotations

import socket
import subprocess
import sys


def main(cli: str) -> int:
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(8)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(10)
    port, uport = tcp.getsockname()[1], udp.getsockname()[1]
    argv = [cli, "knock", "127.0.0.1", f"{uport}:udp", str(port), "icmp:128", "--check", str(port), "-v"]
    print(" ".join(argv), flush=True)
    code = subprocess.run(argv, timeout=60).returncode
    data, _ = udp.recvfrom(2048)
    print(f"exit code {code}; the UDP step arrived ({len(data)} bytes)")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
