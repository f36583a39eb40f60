"""``knockgui-cli forward NAME [--local-port N]``: a knock-first local port for clients that cannot run a
command (Winbox, The Dude, API tools).

It listens on loopback only (127.0.0.1). Each new connection knocks (unless a knock from this forwarder
opened the port less than ``REUSE_S`` seconds ago and a direct connection still works), connects to
the router's service port and relays both ways until either side closes. Knocks never overlap (a
second client waits for the first one's knock, then connects directly), so a knockd that resets on a
duplicate hit sees each sequence once. At most ``--max-connections`` are relayed at once; one more is
closed at once with a warning. SIGTERM or Ctrl-C stops it cleanly: the listener closes, every relay
ends within about 200 ms, exit code 0.

The first line on stdout is ``Listening on 127.0.0.1:PORT`` (scripts read the port from it); warnings
and per-connection failures go to stderr, one line each.
"""

from __future__ import annotations

import argparse
import signal
import socket
import sys
import threading
import time
from typing import Any

from knockgui.cli.numbers import whole_number
from knockgui.core.errors import InputError, KnockguiError

REUSE_S = 30.0  # a knock that opened the port this recently is tried first without knocking again
DIRECT_TIMEOUT_S = 1.0
DEFAULT_MAX_CONNECTIONS = 32
LOOPBACK = "127.0.0.1"


def _say(text: str) -> None:
    print(f"knockgui-cli: {text}", file=sys.stderr, flush=True)


class Forwarder:
    """The listener and its relays (one thread per connection)."""

    def __init__(self, router_name: str, host: str, port: int, sequence: Any, timeout: float, limit: int) -> None:
        self.name = router_name
        self.host = host
        self.port = port
        self.sequence = sequence
        self.timeout = timeout
        self.limit = limit
        self.stop = threading.Event()
        self._knock_lock = threading.Lock()
        self._opened_at = -1e9
        self._target: Any = None
        self._active: set[threading.Thread] = set()
        self._lock = threading.Lock()

    def _connect(self) -> socket.socket:
        from knockgui.core.errors import PortClosedError
        from knockgui.core.relay import knock_and_open, open_connection

        with self._knock_lock:
            if self._target is not None and time.monotonic() - self._opened_at < REUSE_S:
                try:
                    return open_connection(self._target, self.port, timeout=DIRECT_TIMEOUT_S, cancel=self.stop)
                except PortClosedError:
                    pass
            opened = knock_and_open(self.host, self.sequence, self.port, timeout=self.timeout, cancel=self.stop)
            self._target, self._opened_at = opened.target, time.monotonic()
            return opened.sock

    def _serve(self, client: socket.socket) -> None:
        from knockgui.core.relay import SocketEnd, relay

        try:
            with client:
                try:
                    upstream = self._connect()
                except KnockguiError as exc:
                    if not self.stop.is_set():
                        _say(f"a connection to {self.name} was closed: {exc.message}")
                    return
                with upstream:
                    relay(SocketEnd(client), SocketEnd(upstream), stop=self.stop)
        finally:
            with self._lock:
                self._active.discard(threading.current_thread())

    def serve_forever(self, listener: socket.socket) -> None:
        import selectors

        selector = selectors.DefaultSelector()
        selector.register(listener, selectors.EVENT_READ)
        try:
            while not self.stop.is_set():
                if not selector.select(0.2):
                    continue
                try:
                    client, _addr = listener.accept()
                except OSError:
                    continue
                with self._lock:
                    busy = len(self._active) >= self.limit
                    if not busy:
                        thread = threading.Thread(target=self._serve, args=(client,), daemon=True)
                        self._active.add(thread)
                if busy:
                    client.close()
                    _say(f"{self.limit} connections are already relayed; a new one was closed (see --max-connections).")
                    continue
                thread.start()
        finally:
            selector.close()

    def shut_down(self) -> None:
        self.stop.set()
        with self._lock:
            threads = list(self._active)
        for thread in threads:
            thread.join(5)


def cmd_forward(args: argparse.Namespace) -> int:
    from knockgui.cli.inventory import saved_knock

    if not 0 <= args.local_port <= 65535:
        raise InputError(f"--local-port must be from 0 to 65535, not {args.local_port}.")
    if not 1 <= args.max_connections <= 1024:
        raise InputError(f"--max-connections must be from 1 to 1024, not {args.max_connections}.")
    saved = saved_knock(args, args.name)
    port = args.port or saved.check_port
    if not 1 <= port <= 65535:
        raise InputError(f"--port must be from 1 to 65535, not {port}.")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((LOOPBACK, args.local_port))
    except OSError as exc:
        listener.close()
        raise InputError(
            f"Could not listen on {LOOPBACK}:{args.local_port} ({exc.strerror or exc}); choose another --local-port."
        ) from None
    listener.listen(min(args.max_connections, 128))
    forwarder = Forwarder(
        saved.router.name, saved.router.host, port, saved.sequence, saved.timeout, args.max_connections
    )
    previous = signal.signal(signal.SIGTERM, lambda _signum, _frame: forwarder.stop.set())
    local = listener.getsockname()[1]
    print(f"Listening on {LOOPBACK}:{local}", flush=True)
    _say(f"forwarding {LOOPBACK}:{local} to {saved.router.name} port {port}, knocking first; Ctrl-C stops.")
    try:
        forwarder.serve_forever(listener)
    except KeyboardInterrupt:
        pass
    finally:
        listener.close()
        forwarder.shut_down()
        signal.signal(signal.SIGTERM, previous)
    _say(f"forwarding to {saved.router.name} stopped.")
    return 0


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``forward`` to the CLI."""
    p = sub.add_parser(
        "forward",
        help="listen on a loopback port; each connection knocks, then is relayed to the router's service",
    )
    p.add_argument("name", metavar="NAME", help="the saved router's name")
    p.add_argument("--local-port", type=whole_number, default=0, metavar="N", help="local port (default: any free one)")
    p.add_argument(
        "--port", type=whole_number, default=0, metavar="N", help="the router's port (default: its service port)"
    )
    p.add_argument(
        "--max-connections",
        type=whole_number,
        default=DEFAULT_MAX_CONNECTIONS,
        metavar="N",
        help=f"connections relayed at once (default {DEFAULT_MAX_CONNECTIONS})",
    )
    p.set_defaults(func=cmd_forward)
