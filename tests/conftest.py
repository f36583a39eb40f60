"""Shared fixtures: isolation (temporary HOME and config dir), the namespace router, the Secret Service.

Tests that need root or namespaces skip with a reason elsewhere; under CI (CI=true) a missing
capability is a failure instead, so nothing that CI should prove is silently skipped.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.testbed import inherited_sigint
from tests.testbed.display import XDisplay, have_tray_host, have_xvfb
from tests.testbed.netns import NamespaceRouter, have_root_netns, knock_ruleset
from tests.testbed.secret_service import SecretService, have_secret_service

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# pytest-qt's QApplication (session scope) is made before any function fixture runs, so its platform is
# chosen here: offscreen, except in a child pytest on a private display (XDisplay.run_pytest), which is xcb.
if not os.environ.get("KNOCKGUI_TEST_DISPLAY"):
    os.environ["QT_QPA_PLATFORM"] = "offscreen"


@pytest.fixture(scope="session")
def qapp_cls() -> type:
    """pytest-qt's QApplication is knockgui's, as in the program (the tray needs its ``quit_requested``)."""
    from knockgui.gui.application import KnockguiApplication

    return KnockguiApplication


def need(reason: str) -> None:
    """Skip (or, under CI, fail) when ``reason`` is non-empty."""
    if not reason:
        return
    if IN_CI:
        pytest.fail(f"CI must run this test, but it {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own HOME, XDG dirs and config dir; no test sees the user's keyring or display."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for var, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CACHE_HOME", ".cache"),
    ):
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("KNOCKGUI_CONFIG_DIR", str(home / "knockgui-config"))
    runtime = home / "run"  # private, as the session's XDG_RUNTIME_DIR is: the single-instance socket goes here
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    # No test may reach the user's session bus, keyring or display by accident.
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    # Keyring: the "fail" backend unless a test asks for the Secret Service.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    return home


@pytest.fixture
def config_dir(isolated_home: Path) -> Path:
    return isolated_home / "knockgui-config"


@pytest.fixture
def listener() -> Iterator[int]:
    """An open TCP port on loopback (a listening socket), closed after the test."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


@pytest.fixture
def netns_router() -> Iterator[Callable[..., NamespaceRouter]]:
    """Factory: ``netns_router(ruleset, ports=(8291, 22))`` starts a namespace router, stopped after the test."""
    need(have_root_netns())
    started: list[NamespaceRouter] = []

    def make(ruleset: str = "", ports: tuple[int, ...] = (8291, 22)) -> NamespaceRouter:
        router = NamespaceRouter(ruleset=ruleset, ports=ports).start()
        started.append(router)
        return router

    yield make
    for router in started:
        router.close()


@pytest.fixture
def seed_router(netns_router: Callable[..., NamespaceRouter]) -> NamespaceRouter:
    """The seed's recipe: TCP 1337 then UDP 17954, stage 15 s, safe list 3 h; listeners on 8291 and 22."""
    from tests.testbed.netns import Stage

    return netns_router(knock_ruleset([Stage.tcp(1337), Stage.udp(17954)]))


def _use_secret_service(monkeypatch: pytest.MonkeyPatch, *, unlocked: bool) -> Iterator[SecretService]:
    """Start a gnome-keyring on a private D-Bus and point this process and its children at it."""
    need(have_secret_service())
    with SecretService(unlocked=unlocked) as service:
        for key, value in service.env().items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.SecretService.Keyring")
        yield service


@pytest.fixture
def secret_service(monkeypatch: pytest.MonkeyPatch) -> Iterator[SecretService]:
    """A real, unlocked gnome-keyring on a private D-Bus; this process and its children use it."""
    yield from _use_secret_service(monkeypatch, unlocked=True)


@pytest.fixture
def locked_secret_service(monkeypatch: pytest.MonkeyPatch) -> Iterator[SecretService]:
    """A real gnome-keyring that is locked, with nobody to answer the unlock prompt."""
    yield from _use_secret_service(monkeypatch, unlocked=False)


@pytest.fixture
def xdisplay() -> Iterator[XDisplay]:
    """A private Xvfb display (no tray host); programs go on it with ``xdisplay.spawn(argv)``."""
    need(have_xvfb())
    with XDisplay(tray=False) as display:
        yield display


@pytest.fixture
def xdisplay_with_tray() -> Iterator[XDisplay]:
    """A private Xvfb display with trayer as the system tray host (``xdisplay_with_tray.panel``)."""
    need(have_tray_host())
    with XDisplay(tray=True) as display:
        yield display


@pytest.fixture
def xcb_display(monkeypatch: pytest.MonkeyPatch) -> str:
    """In a child pytest started by ``XDisplay.run_pytest``: put DISPLAY, xcb and the session bus back.

    Request it before ``qtbot``/``qapp`` so the QApplication is made on the private display.
    """
    display = os.environ.get("KNOCKGUI_TEST_DISPLAY", "")
    if not display:
        pytest.skip("runs only inside XDisplay.run_pytest (a child pytest on a private display)")
    monkeypatch.setenv("DISPLAY", display)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    if os.environ.get("KNOCKGUI_TEST_DBUS"):
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", os.environ["KNOCKGUI_TEST_DBUS"])
    return display


SIGINT_AT_START = inherited_sigint()  # what pytest itself inherited, before any test changes anything


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failing test in a run that inherited a blocked or ignored SIGINT says so: the likely cause of a
    Ctrl-C test's failure (a child that never saw the signal), named instead of left to be guessed."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.failed and SIGINT_AT_START:
        report.sections.append(("SIGINT", SIGINT_AT_START))
