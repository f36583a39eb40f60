"""``knockgui --demo``: a simulated router on loopback, so a new user sees the whole flow without a router.

The simulated router follows the seed's RouterOS rules, without root and without a firewall:

* one knock listener per step on 127.0.0.1 high ports (chosen free at start): a listening TCP socket
  (the knock's SYN completes a handshake there, which a real router would not do; harmless here) or a
  UDP socket;
* per source address, the stage reached, like the seed's ``src-address-list``: step 1 puts the source
  in stage 1 for ``stage_timeout`` (15 s, the seed's ``knock-knock``); step k counts only for a source
  in stage k-1; the last step puts the source in the open ("Save Haven") list for ``open_timeout``.
  A wrong port is simply not counted (RouterOS does not reset a chain);
* the management port is a TCP listener on another high loopback port that *drops* connection
  attempts until a source is in the open list, like the seed's final ``drop``: its accept queue is kept
  full by one plug connection of our own (``listen(0)``), and Linux silently drops a SYN to a
  listener whose queue is full, so the check sees "no answer". When a source completes the knock, the
  plug is taken out, the check's next attempt connects, and the demo serves a tiny WebFig-like HTTP page;
  connections from sources not in the open list are closed at once. When no source is open any more,
  the plug goes back in.

In-process, the check's first SYN races the knock: it leaves right after the last step and the kernel
handles it inside ``connect()``, usually before the router's thread has even read that step (the knocking
thread holds Python's GIL), so it is dropped and the check's 25 ms retry opens the port. To win that race
as a real router does, while it runs the demo asks Python to switch threads every 20 µs (knock steps
follow each other within microseconds, so it cannot wait for the first one; restored by ``close()``),
and opening the gate is a single ``listen()`` call (the queue gets room) before the plug is taken out.

Knocks are read in the order they arrived, as a router sees its packets, also when several knocks from
the same source (several routers knocked at once) wait on different step sockets. A level-triggered poll
does not give that order: a socket reported once stays at its old place in the ready list, so a later
datagram on it was read before an earlier connection on another step's socket, and a right sequence
knocked together with a swapped one sometimes never opened. On Linux the knock sockets are therefore
edge-triggered in epoll, which lists sockets in the order their oldest unread knock arrived; the demo
reads one knock, then re-arms that socket (back to the end of the list if more are waiting, so knocks
queued on several sockets are read in turns; a TCP knock carries no kernel timestamp to do better).
Elsewhere a plain selector is used (the order is then best effort).

The demo's router entry lives in a temporary config folder with an in-memory secret store (never the
user's keyring). Its service is WebFig, so "Knock & connect" opens the demo's own page
``http://127.0.0.1:PORT/`` in the browser: harmless, and it shows what a successful connect looks like.
"""

from __future__ import annotations

import contextlib
import select
import selectors
import shutil
import socket
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from knockgui.core.model import Router, Service, new_id, single
from knockgui.core.secrets import MemorySecretStore, RouterSecret
from knockgui.core.sequence import Protocol, Sequence, Step
from knockgui.core.store import Inventory

LOOPBACK = "127.0.0.1"
PAGE = (
    b"<!doctype html><title>knockgui demo router</title>"
    b"<h1>knockgui demo router</h1><p>You knocked, the port opened, and you are in: this is where WebFig "
    b"would be on a real MikroTik router.</p>"
)
DEMO_NAME = "Demo router (loopback)"
DEMO_WRONG_NAME = "Demo, wrong sequence (loopback)"
FAST_SWITCH_S = 0.00002  # Python's thread switch interval while a demo router runs

_switch_lock = threading.Lock()
_switch_users = 0
_switch_saved = 0.005


def _fast_switching(on: bool) -> None:
    """Shorten Python's thread switch interval while any demo router wants it (counted), then restore it."""
    global _switch_users, _switch_saved
    with _switch_lock:
        if on:
            if _switch_users == 0:
                _switch_saved = sys.getswitchinterval()
                sys.setswitchinterval(FAST_SWITCH_S)
            _switch_users += 1
        elif _switch_users > 0:
            _switch_users -= 1
            if _switch_users == 0:
                sys.setswitchinterval(_switch_saved)


class _Poller:
    """Which socket to read next: the one whose oldest unread knock arrived first (epoll, edge-triggered,
    one event per call), or any ready one where epoll is missing. ``poll()`` returns the data of ready
    sockets; after reading ONE item from an edge-triggered socket, call ``rearm()`` for it."""

    def __init__(self) -> None:
        self._epoll = select.epoll() if hasattr(select, "epoll") else None
        self._selector = None if self._epoll is not None else selectors.DefaultSelector()
        self._data: dict[int, tuple[str, int]] = {}
        self._edge: dict[int, bool] = {}

    def register(self, sock: socket.socket, data: tuple[str, int], edge: bool = False) -> None:
        fd = sock.fileno()
        if fd in self._data:
            return
        if self._epoll is not None:
            self._epoll.register(fd, self._mask(edge))
        else:
            assert self._selector is not None
            self._selector.register(fd, selectors.EVENT_READ)
        self._data[fd] = data
        self._edge[fd] = edge

    def unregister(self, sock: socket.socket) -> None:
        fd = sock.fileno()
        if self._data.pop(fd, None) is None:
            return
        del self._edge[fd]
        with contextlib.suppress(OSError, KeyError, ValueError):
            if self._epoll is not None:
                self._epoll.unregister(fd)
            else:
                assert self._selector is not None
                self._selector.unregister(fd)

    def rearm(self, sock: socket.socket) -> None:
        """After one read from an edge-triggered socket: list it again (at the end) if more is waiting."""
        fd = sock.fileno()
        if self._epoll is not None and self._edge.get(fd):
            with contextlib.suppress(OSError):
                self._epoll.modify(fd, self._mask(True))

    def poll(self, timeout: float) -> list[tuple[str, int]]:
        if self._epoll is not None:
            events = self._epoll.poll(timeout, 1)  # one at a time: the list's order is the arrival order
            return [self._data[fd] for fd, _ev in events if fd in self._data]
        assert self._selector is not None
        return [self._data[key.fd] for key, _ev in self._selector.select(timeout) if key.fd in self._data]

    @staticmethod
    def _mask(edge: bool) -> int:
        return select.EPOLLIN | (select.EPOLLET if edge else 0)

    def close(self) -> None:
        if self._epoll is not None:
            self._epoll.close()
        if self._selector is not None:
            self._selector.close()


@dataclass
class DemoRouter:
    """The simulated router. ``start()`` binds the ports; ``close()`` stops it."""

    protocols: tuple[Protocol, ...] = (Protocol.TCP, Protocol.UDP)
    stage_timeout: float = 15.0
    open_timeout: float = 600.0
    knock_ports: list[int] = field(default_factory=list)
    management_port: int = 0
    _stage: dict[str, tuple[int, float]] = field(default_factory=dict)  # source -> (stage reached, until)
    _open: dict[str, float] = field(default_factory=dict)  # source -> open until
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _fast: bool = False  # whether this router holds the short switch interval (see _fast_switching)

    def start(self) -> DemoRouter:
        self._poller = _Poller()
        self._sockets: list[socket.socket] = []
        for index, protocol in enumerate(self.protocols):
            kind = socket.SOCK_STREAM if protocol is Protocol.TCP else socket.SOCK_DGRAM
            sock = socket.socket(socket.AF_INET, kind)
            sock.bind((LOOPBACK, 0))
            if kind == socket.SOCK_STREAM:
                sock.listen(16)
            sock.setblocking(False)
            self.knock_ports.append(sock.getsockname()[1])
            self._poller.register(sock, ("knock", index), edge=True)
            self._sockets.append(sock)
        self._mgmt = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._mgmt.bind((LOOPBACK, 0))
        self._mgmt.listen(0)
        self._mgmt.setblocking(False)
        self.management_port = self._mgmt.getsockname()[1]
        self._plug: socket.socket | None = None
        self._plug_in()
        _fast_switching(True)
        self._fast = True
        self._thread = threading.Thread(target=self._serve, name="knockgui-demo-router", daemon=True)
        self._thread.start()
        return self

    @property
    def sequence(self) -> Sequence:
        return Sequence(tuple(Step(p, port=port) for p, port in zip(self.protocols, self.knock_ports, strict=True)))

    def is_open_for(self, source: str) -> bool:
        with self._lock:
            return self._open.get(source, 0.0) > time.monotonic()

    def stage_of(self, source: str) -> int:
        with self._lock:
            stage, until = self._stage.get(source, (0, 0.0))
            return stage if until > time.monotonic() else 0

    # --- the accept-queue gate ------------------------------------------------------------------
    def _plug_in(self) -> None:
        """Fill the management listener's accept queue so further SYNs are dropped (no answer)."""
        if self._plug is not None:
            return
        self._mgmt.listen(0)  # a queue of one, and the plug fills it
        plug = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        plug.settimeout(2)
        plug.connect((LOOPBACK, self.management_port))
        self._plug = plug
        self._plug_addr = plug.getsockname()

    def _plug_out(self) -> None:
        """Empty the accept queue (accept and drop our plug) so the management port answers."""
        if self._plug is None:
            return
        with contextlib.suppress(OSError):
            self._mgmt.listen(16)  # one system call: the queue has room now, the next SYN gets through
        self._plug.close()
        self._plug = None
        self._drain()  # the plug's server side is what fills the queue: accept it away
        self._poller.register(self._mgmt, ("mgmt", 0))

    # --- the serving thread ---------------------------------------------------------------------
    def _serve(self) -> None:
        while not self._stop.is_set():
            for role, index in self._poller.poll(0.1):
                if role == "knock":
                    self._knocked(self._sockets[index], index)
                    self._poller.rearm(self._sockets[index])
                else:
                    self._management()
            self._expire()

    def _knocked(self, sock: socket.socket, index: int) -> None:
        try:
            if sock.type == socket.SOCK_STREAM:
                conn, (source, _port) = sock.accept()
                conn.close()
            else:
                _data, (source, _port) = sock.recvfrom(65535)
        except OSError:
            return
        now = time.monotonic()
        with self._lock:
            stage, until = self._stage.get(source, (0, 0.0))
            if until <= now:
                stage = 0
            if index == 0 or stage >= index:  # like src-address-list: stage k needs stage k-1
                if index == len(self.protocols) - 1:
                    self._open[source] = now + self.open_timeout
                    self._stage.pop(source, None)
                    opened = True
                else:
                    self._stage[source] = (index + 1, now + self.stage_timeout)
                    opened = False
            else:
                opened = False
        if opened:
            self._plug_out()

    def _management(self) -> None:
        while True:
            try:
                conn, (source, _port) = self._mgmt.accept()
            except OSError:
                return
            if self.is_open_for(source):
                threading.Thread(target=self._greet, args=(conn,), daemon=True).start()
            else:
                conn.close()

    @staticmethod
    def _greet(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(2)
            with contextlib.suppress(OSError):
                conn.recv(4096)
                head = f"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(PAGE)}\r\n\r\n"
                conn.sendall(head.encode() + PAGE)

    def _expire(self) -> None:
        now = time.monotonic()
        with self._lock:
            self._open = {s: t for s, t in self._open.items() if t > now}
            self._stage = {s: v for s, v in self._stage.items() if v[1] > now}
            nobody_open = not self._open
        if nobody_open and self._plug is None:
            self._poller.unregister(self._mgmt)
            self._drain()
            with contextlib.suppress(OSError):
                self._plug_in()

    def _drain(self) -> None:
        self._mgmt.setblocking(False)
        while True:
            try:
                conn, _addr = self._mgmt.accept()
            except OSError:
                return
            conn.close()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self._fast:
            self._fast = False
            _fast_switching(False)
        for sock in [*self._sockets, self._mgmt, *([self._plug] if self._plug else [])]:
            with contextlib.suppress(OSError):
                sock.close()
        self._poller.close()

    def __enter__(self) -> DemoRouter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class Demo:
    """The demo's router, its temporary config folder and its in-memory inventory."""

    router: DemoRouter
    config_dir: Path
    inventory: Inventory
    entry: Router
    wrong_router: DemoRouter | None = None  # the "wrong sequence" entry's own router (see demo_entries)

    def close(self) -> None:
        self.router.close()
        if self.wrong_router is not None:
            self.wrong_router.close()
        shutil.rmtree(self.config_dir, ignore_errors=True)


def demo_entries(router: DemoRouter, wrong_router: DemoRouter | None = None) -> list[tuple[Router, RouterSecret]]:
    """The demo's list: the loopback router, the "wrong sequence" entry, and examples on documentation
    addresses (192.0.2.0/24 and friends: they do not exist; knocking them just ends in "no answer").

    The wrong-sequence entry knocks ``wrong_router`` (a second simulated router), with tcp and udp mixed up:
    both routers are 127.0.0.1 and a router keys its lists by source address, so on the same router the
    wrong knock would find the port already open once the right one was knocked. And with its steps merely
    swapped, knocking it twice would send step 1 then step 2 (B A B A), which opens a chain: a step with the
    wrong protocol never counts, so it fails every time."""
    target = wrong_router or router
    live = Router(
        name=DEMO_NAME,
        host=LOOPBACK,
        group="Demo",
        services=single(Service.WEBFIG, router.management_port),
        timeout_s=5.0,
        notes="A simulated router inside knockgui: double-click it to knock, check and open its page.",
    )
    wrong = replace(
        live,
        name=DEMO_WRONG_NAME,
        id=new_id(),
        services=single(Service.WEBFIG, target.management_port),
        timeout_s=3.0,
        notes="The demo router with tcp and udp mixed up in its sequence: the port stays closed and knockgui says why.",
    )
    examples = [
        ("Branch office gateway", "192.0.2.1", "Branches", Service.WINBOX, ""),
        ("Warehouse AP", "192.0.2.17", "Branches", Service.SSH, "admin"),
        ("Core router", "198.51.100.1", "Core", Service.WINBOX, ""),
        ("Lab hEX", "203.0.113.9", "Lab", Service.TELNET, ""),
    ]
    mixed_up = Sequence(
        tuple(
            replace(s, protocol=Protocol.UDP if s.protocol is Protocol.TCP else Protocol.TCP)
            for s in target.sequence.steps
        )
    )
    entries = [(live, RouterSecret(router.sequence)), (wrong, RouterSecret(mixed_up))]
    example_secret = RouterSecret(Sequence((Step(Protocol.TCP, port=1337), Step(Protocol.UDP, port=17954))))
    for name, host, group, service, user in examples:
        note = "An example entry on a documentation address: it does not exist and is never reachable."
        entries.append(
            (Router(name=name, host=host, group=group, services=single(service), user=user, notes=note), example_secret)
        )
    return entries


def start_demo(examples: bool = True) -> Demo:
    """Start the simulated router and an inventory for it in a temporary config folder."""
    router = DemoRouter().start()
    wrong_router: DemoRouter | None = None
    config_dir = Path(tempfile.mkdtemp(prefix="knockgui-demo-"))
    try:
        wrong_router = DemoRouter().start()
        inventory = Inventory.open(config_dir, MemorySecretStore())
        entries = demo_entries(router, wrong_router)
        for entry, secret in entries if examples else entries[:2]:
            inventory.add(entry, secret)
    except BaseException:
        router.close()
        if wrong_router is not None:
            wrong_router.close()
        shutil.rmtree(config_dir, ignore_errors=True)
        raise
    return Demo(router, config_dir, inventory, inventory.find(DEMO_NAME), wrong_router)
