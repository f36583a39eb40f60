"""A private StatusNotifier desktop for tests: a session bus, Xvfb, a real watcher and a real tray host.

    with SniDesktop() as desk:                      # bus + display + status-notifier-watcher + host
        proc = desk.spawn([sys.executable, "-m", "knockgui", "--demo"])
        item = desk.client.wait_item(pid=proc.pid)  # the watcher lists the program's item
        props = desk.client.item_properties(item)
        layout = desk.client.layout(item)           # com.canonical.dbusmenu GetLayout on the item's Menu
        desk.client.click(item, layout.find("Knock only").id)

- The bus is a ``dbus-daemon`` with its own minimal configuration: no service directories, so nothing is
  activated on it (no accessibility bus, no notification daemon); it never is the user's session bus.
- The display is :class:`tests.testbed.display.XDisplay` (Xvfb, no XEmbed tray host).
- The watcher is ``status-notifier-watcher`` (Debian haskell-status-notifier-item-utils); the host is
  ``gtk-sni-tray-standalone`` (Debian haskell-gtk-sni-tray-utils), a GTK tray bar on the display that
  registers as a StatusNotifierHost, shows the items' icons and reads their menus with libdbusmenu.
  ``SniDesktop(host=False)`` runs the watcher without a host (Qt then must not use the D-Bus tray).
- ``SniDesktop(notifications=True)`` also runs ``dunst`` (Debian dunst), a real notification daemon on the
  bus and display, where Qt's D-Bus tray sends ``showMessage()``; ``client.notifications()`` closes the
  shown ones and returns dunst's history (summary, body, app name...); ``client.click_notification()``
  clicks the newest shown one (its default action, as ``dunstctl action``).
- :class:`SniClient` talks D-Bus with jeepney (keyring's own D-Bus library): the watcher's properties,
  an item's properties, its dbusmenu layout, ``AboutToShow``, the ``LayoutUpdated`` signals an action
  causes, and ``Event(id, "clicked")``.
- ``close()`` stops every program it started (by process group) and removes its folder.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from tests.testbed.display import XDisplay, _stop_group, have_xvfb

WATCHER = "org.kde.StatusNotifierWatcher"
WATCHER_PATH = "/StatusNotifierWatcher"
ITEM_IFACE = "org.kde.StatusNotifierItem"
MENU_IFACE = "com.canonical.dbusmenu"
T = TypeVar("T")

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={folder}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def have_sni(host: bool = True, notifications: bool = False) -> str:
    """'' when a private StatusNotifier desktop can be started here, else the reason it cannot."""
    reason = have_xvfb()
    if reason:
        return reason
    tools = [("dbus-daemon", "dbus"), ("status-notifier-watcher", "haskell-status-notifier-item-utils")]
    if host:
        tools.append(("gtk-sni-tray-standalone", "haskell-gtk-sni-tray-utils"))
    if notifications:
        tools.append(("dunst", "dunst"))
    for tool, package in tools:
        if not shutil.which(tool):
            return f"needs '{tool}' (Debian package {package})"
    try:
        import jeepney  # noqa: F401
    except ImportError:
        return "needs the Python package jeepney (pip install -e '.[test]')"
    return ""


def wait_until(probe: Callable[[], T | None], timeout: float, what: str, interval: float = 0.05) -> T:
    """``probe()``'s first true value within ``timeout`` seconds; RuntimeError naming ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not happen within {timeout} s")
        time.sleep(interval)


# --- dbusmenu layouts --------------------------------------------------------------------------------
@dataclass(frozen=True)
class MenuNode:
    """One dbusmenu item: its id, its properties (plain values) and its children."""

    id: int
    props: dict[str, Any]
    children: tuple[MenuNode, ...]

    @property
    def label(self) -> str:
        """The label as a person reads it: dbusmenu's mnemonic underscores removed (``_&`` -> ``&``)."""
        text = str(self.props.get("label", ""))
        return text.replace("__", "\0").replace("_", "").replace("\0", "_")

    @property
    def is_separator(self) -> bool:
        return self.props.get("type") == "separator"

    def walk(self) -> Iterator[MenuNode]:
        yield self
        for child in self.children:
            yield from child.walk()

    def find(self, *labels: str) -> MenuNode:
        """The node reached by following ``labels`` down from here (KeyError naming the missing one)."""
        node = self
        for label in labels:
            found = [c for c in node.children if c.label == label]
            if not found:
                raise KeyError(f"no {label!r} under {node.label or 'the root'}: {[c.label for c in node.children]}")
            node = found[0]
        return node

    def labels(self) -> list[str]:
        """The children's labels, ``---`` for a separator (with its label when it has one: a section)."""
        return [("--- " + c.label).rstrip() if c.is_separator else c.label for c in self.children]


def _menu_node(raw: Any) -> MenuNode:
    id_, props, children = raw
    plain = {key: value for key, (_sig, value) in props.items()}
    return MenuNode(id_, plain, tuple(_menu_node(child[1]) for child in children))


@dataclass(frozen=True)
class Item:
    """A registered StatusNotifierItem: its bus name and object path (as the watcher lists it)."""

    service: str
    path: str


# --- the D-Bus client --------------------------------------------------------------------------------
class SniClient:
    """A blocking jeepney connection to the private bus: the watcher, items and their menus."""

    def __init__(self, address: str) -> None:
        from jeepney.io.blocking import open_dbus_connection

        self.conn = open_dbus_connection(bus=address)

    def close(self) -> None:
        self.conn.close()

    def call(self, path: str, dest: str, iface: str, method: str, sig: str = "", body: tuple[Any, ...] = ()) -> Any:
        from jeepney import DBusAddress, MessageType, new_method_call

        reply = self.conn.send_and_get_reply(
            new_method_call(DBusAddress(path, bus_name=dest, interface=iface), method, sig, body), timeout=10
        )
        if reply.header.message_type == MessageType.error:
            raise RuntimeError(f"{iface}.{method} on {dest}{path} failed: {reply.body}")
        return reply.body

    def get_all(self, path: str, dest: str, iface: str) -> dict[str, Any]:
        (props,) = self.call(path, dest, "org.freedesktop.DBus.Properties", "GetAll", "s", (iface,))
        return {key: value for key, (_sig, value) in props.items()}

    def names(self) -> list[str]:
        (names,) = self.call("/org/freedesktop/DBus", "org.freedesktop.DBus", "org.freedesktop.DBus", "ListNames")
        return list(names)

    def pid_of(self, name: str) -> int:
        (pid,) = self.call(
            "/org/freedesktop/DBus", "org.freedesktop.DBus", "org.freedesktop.DBus",
            "GetConnectionUnixProcessID", "s", (name,),
        )  # fmt: skip
        return int(pid)

    # --- the watcher ---------------------------------------------------------------------------
    def watcher(self) -> dict[str, Any]:
        """The watcher's properties (RegisteredStatusNotifierItems, IsStatusNotifierHostRegistered...)."""
        return self.get_all(WATCHER_PATH, WATCHER, WATCHER)

    def items(self) -> list[Item]:
        """Registered items as (bus name, object path), from the watcher's RegisteredSNIEntries."""
        return [Item(service, path) for service, path in self.watcher().get("RegisteredSNIEntries", [])]

    def wait_item(self, pid: int, timeout: float = 20.0) -> Item:
        """The item registered by process ``pid`` (the owner of its bus name), once the watcher lists it."""

        def probe() -> Item | None:
            for item in self.items():
                try:
                    if self.pid_of(item.service) == pid:
                        return item
                except RuntimeError:
                    continue  # it left the bus meanwhile
            return None

        return wait_until(probe, timeout, f"an item of process {pid} in the watcher")

    # --- an item and its menu ------------------------------------------------------------------
    def item_properties(self, item: Item) -> dict[str, Any]:
        return self.get_all(item.path, item.service, ITEM_IFACE)

    def menu_path(self, item: Item) -> str:
        return str(self.item_properties(item)["Menu"])

    def layout(self, item: Item) -> tuple[int, MenuNode]:
        """(revision, root) of the item's whole dbusmenu (GetLayout(0, -1, []))."""
        revision, raw = self.call(self.menu_path(item), item.service, MENU_IFACE, "GetLayout", "iias", (0, -1, []))
        return int(revision), _menu_node(raw)

    def about_to_show(self, item: Item, node_id: int = 0) -> bool:
        (need_update,) = self.call(self.menu_path(item), item.service, MENU_IFACE, "AboutToShow", "i", (node_id,))
        return bool(need_update)

    def layout_updates(self, item: Item, action: Callable[[], object], wait: float = 1.0) -> list[tuple[int, int]]:
        """Run ``action()`` and return the item menu's ``LayoutUpdated(revision, parent id)`` signals that it
        caused (those that came within ``wait`` seconds after it)."""
        from jeepney import MatchRule, message_bus
        from jeepney.io.blocking import Proxy

        rule = MatchRule(type="signal", sender=item.service, interface=MENU_IFACE, member="LayoutUpdated")
        bus = Proxy(message_bus, self.conn)
        bus.AddMatch(rule)
        try:
            with self.conn.filter(rule) as queue:
                action()
                seen: list[tuple[int, int]] = []
                deadline = time.monotonic() + wait
                while (left := deadline - time.monotonic()) > 0:
                    try:
                        signal = self.conn.recv_until_filtered(queue, timeout=left)
                    except TimeoutError:
                        break
                    revision, parent = signal.body
                    seen.append((int(revision), int(parent)))
                return seen
        finally:
            bus.RemoveMatch(rule)

    def notifications(self) -> list[dict[str, Any]]:
        """Close dunst's shown notifications and return its history, newest first (plain values)."""
        dunst = ("/org/freedesktop/Notifications", "org.freedesktop.Notifications", "org.dunstproject.cmd0")
        self.call(*dunst, "NotificationCloseAll")
        (history,) = self.call(*dunst, "NotificationListHistory")
        return [{key: value for key, (_sig, value) in entry.items()} for entry in history]

    def notifications_shown(self) -> int:
        """How many notifications dunst shows now."""
        dunst = ("/org/freedesktop/Notifications", "org.freedesktop.Notifications", "org.freedesktop.DBus.Properties")
        ((_sig, count),) = self.call(*dunst, "Get", "ss", ("org.dunstproject.cmd0", "displayedLength"))
        return int(count)

    def click_notification(self, position: int = 0) -> None:
        """A click on dunst's shown notification at ``position`` (0: the newest): its default action
        (``dunstctl action``); dunst then sends ``ActionInvoked(id, "default")`` to the program."""
        dunst = ("/org/freedesktop/Notifications", "org.freedesktop.Notifications", "org.dunstproject.cmd0")
        self.call(*dunst, "NotificationAction", "u", (position,))

    def click(self, item: Item, node_id: int) -> None:
        """``Event(id, "clicked", 0, now)``: what a host sends when a person picks a menu entry."""
        data = ("i", 0)
        stamp = int(time.time()) & 0x7FFFFFFF
        self.call(self.menu_path(item), item.service, MENU_IFACE, "Event", "isvu", (node_id, "clicked", data, stamp))


# --- the desktop -------------------------------------------------------------------------------------
class SniDesktop:
    """Private bus + Xvfb + status-notifier-watcher (+ gtk-sni-tray-standalone when ``host``)."""

    def __init__(self, host: bool = True, notifications: bool = False) -> None:
        self.want_host = host
        self.want_notifications = notifications
        self.folder = Path(tempfile.mkdtemp(prefix="knockgui-sni-"))
        self.address = ""
        self.x = XDisplay(tray=False)
        self.client: SniClient = None  # type: ignore[assignment]  # set by start()
        self._bus: subprocess.Popen[bytes] | None = None
        self._watcher: subprocess.Popen[bytes] | None = None
        self._host: subprocess.Popen[bytes] | None = None
        self._notifier: subprocess.Popen[bytes] | None = None

    def start(self) -> SniDesktop:
        try:
            self._start_bus()
            self.x.start()
            self.client = SniClient(self.address)
            self._watcher = self._daemon(["status-notifier-watcher"], "watcher")
            wait_until(self._watcher_answers, 10, "status-notifier-watcher answering")
            if self.want_notifications:
                self._notifier = self._daemon(["dunst"], "dunst")
                wait_until(lambda: "org.freedesktop.Notifications" in self.client.names(), 10, "dunst taking its name")
            if self.want_host:
                self.start_host()
        except BaseException:
            self.close()
            raise
        return self

    def _start_bus(self) -> None:
        config = self.folder / "bus.conf"
        (self.folder / "bus").mkdir()
        config.write_text(BUS_CONFIG.format(folder=self.folder / "bus"))
        self._bus = subprocess.Popen(
            ["dbus-daemon", f"--config-file={config}", "--nofork", "--nopidfile", "--print-address=1"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        assert self._bus.stdout is not None
        self.address = self._bus.stdout.readline().decode().strip()
        if not self.address:
            raise RuntimeError("the private dbus-daemon did not start")

    def _daemon(self, argv: Sequence[str], log: str) -> subprocess.Popen[bytes]:
        home = self.folder / "home"  # GTK's caches and settings: never the user's
        private = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "XDG_CACHE_HOME": str(home / ".cache")}
        with open(self.folder / f"{log}.log", "wb") as out:
            return subprocess.Popen(
                list(argv),
                env=self.env(private),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start_host(self) -> None:
        """Start the tray host and wait until the watcher reports a registered host."""
        if self._host is None:
            self._host = self._daemon(["gtk-sni-tray-standalone", "--top", "--size", "24"], "host")
        wait_until(
            lambda: (self._watcher_answers() or {}).get("IsStatusNotifierHostRegistered"), 15, "the host registering"
        )

    def _watcher_answers(self) -> dict[str, Any] | None:
        """The watcher's properties, or None while it is not there yet (name or object not exported)."""
        try:
            return self.client.watcher()
        except RuntimeError:
            return None

    def host_log(self) -> str:
        path = self.folder / "host.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """Variables for a program on this desktop: the private display (xcb) and the private bus."""
        env = self.x.env(
            {
                "DBUS_SESSION_BUS_ADDRESS": self.address,
                "NO_AT_BRIDGE": "1",  # GTK: no accessibility bus to look for
            }
        )
        env.update(extra or {})
        return env

    def spawn(self, argv: Sequence[str], env: dict[str, str] | None = None, **popen: Any) -> subprocess.Popen[bytes]:
        """Start a program on this desktop (its own process group), stopped by close() or stop()."""
        return self.x.spawn(argv, env=self.env(env), session_bus=False, **popen)

    def stop(self, proc: subprocess.Popen[bytes], timeout: float = 5.0) -> int:
        return self.x.stop(proc, timeout)

    def close(self) -> None:
        self.x.close()  # the programs spawned on the display, then Xvfb
        if self.client is not None:
            self.client.close()
            self.client = None  # type: ignore[assignment]
        for proc in (self._notifier, self._host, self._watcher, self._bus):
            if proc is not None:
                _stop_group(proc)
        self._notifier = self._host = self._watcher = self._bus = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> SniDesktop:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- closing a window as a window manager does ---------------------------------------------------------
class _ClientMessage(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("serial", ctypes.c_ulong),
        ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("window", ctypes.c_ulong),
        ("message_type", ctypes.c_ulong),
        ("format", ctypes.c_int),
        ("data", ctypes.c_long * 5),
    ]


class _XEvent(ctypes.Union):
    _fields_ = [("xclient", _ClientMessage), ("pad", ctypes.c_long * 24)]


def close_window(display: str, window: int) -> None:
    """Ask ``window`` to close the way a window manager's close button does: ICCCM's WM_DELETE_WINDOW.

    (Xvfb runs no window manager, and this xdotool has no ``windowclose``; ``windowkill`` would kill.)
    """
    x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.POINTER(_XEvent)]
    x11.XFlush.argtypes = [ctypes.c_void_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    dpy = x11.XOpenDisplay(display.encode())
    if not dpy:
        raise RuntimeError(f"cannot open X display {display}")
    try:
        event = _XEvent()
        event.xclient.type = 33  # ClientMessage
        event.xclient.window = window
        event.xclient.message_type = x11.XInternAtom(dpy, b"WM_PROTOCOLS", 0)
        event.xclient.format = 32
        event.xclient.data[0] = x11.XInternAtom(dpy, b"WM_DELETE_WINDOW", 0)
        event.xclient.data[1] = 0  # CurrentTime
        if not x11.XSendEvent(dpy, window, 0, 0, ctypes.byref(event)):
            raise RuntimeError(f"XSendEvent to window {window} failed")
        x11.XFlush(dpy)
    finally:
        x11.XCloseDisplay(dpy)
