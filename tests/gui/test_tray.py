"""Tray texts, recently used routers, request handling and command-line requests (offscreen, no tray)."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from knockgui.core.errors import InputError
from knockgui.core.model import Router, Service
from knockgui.core.settings import Settings
from knockgui.gui.app import build_parser
from knockgui.gui.main_window import MainWindow
from knockgui.gui.quick import Claim, attach, claim, request_from
from knockgui.gui.single_instance import Reply, Request, make_handler
from knockgui.gui.tray import NO_TRAY_MESSAGE, RecentRouters, TrayState, notification_text, state_icon
from tests.gui.conftest import make_inventory
from tests.testbed.routers import make_router

OFFICE = Router(name="MikroTik-Office", host="127.0.0.1")


@dataclass(frozen=True)
class Check:
    state: str
    latency_ms: float | None = None


@dataclass(frozen=True)
class Knock:
    check: Check | None
    message: str = ""
    steps_sent: int = 2

    def was_successful(self) -> bool:
        return self.check is None or self.check.state == "open"


@dataclass(frozen=True)
class Plan:
    label: str


@dataclass(frozen=True)
class Connected:
    knock: Knock
    launched: Plan | None
    message: str

    def was_successful(self) -> bool:
        return self.knock.was_successful()


@pytest.mark.parametrize(
    ("router", "result", "text", "ok"),
    [
        (OFFICE, Connected(Knock(Check("open", 40.2)), Plan("Winbox"), ""), "MikroTik-Office: Winbox port open in 40 ms, launching Winbox", True),
        (OFFICE, Knock(Check("open", 3.0)), "MikroTik-Office: Winbox port open in 3 ms", True),
        (OFFICE, Knock(Check("open", 0.24)), "MikroTik-Office: Winbox port open in 0.2 ms", True),
        (make_router(name="ssh", host="127.0.0.1", service=Service.SSH), Connected(Knock(Check("open", 7)), Plan("SSH in xterm"), ""), "ssh: SSH port open in 7 ms, launching SSH in xterm", True),
        (OFFICE, Knock(None, steps_sent=1), "MikroTik-Office: knocked (1 step sent)", True),
        (OFFICE, Connected(Knock(Check("no_answer"), "Port 8291 did not answer."), None, "Winbox was not started. Port 8291 did not answer."), "MikroTik-Office: Winbox was not started. Port 8291 did not answer.", False),
        (OFFICE, Knock(Check("refused"), "Port 8291 refused the connection."), "MikroTik-Office: Port 8291 refused the connection.", False),
    ],
)  # fmt: skip
def test_notification_text(router: Router, result: object, text: str, ok: bool) -> None:
    assert notification_text(router, result) == (text, ok)


def test_recent_routers_are_kept_newest_first_and_survive_a_restart(tmp_path: Path) -> None:
    routers = [Router(name=f"r{i}", host="127.0.0.1") for i in range(8)]
    recent = RecentRouters(tmp_path, limit=3)
    for router in (routers[0], routers[1], routers[2], routers[0], routers[5]):
        recent.note(router.id)
    assert [r.name for r in recent.pick(routers)] == ["r5", "r0", "r2"]
    again = RecentRouters(tmp_path, limit=3)
    assert [r.name for r in again.pick(routers)] == ["r5", "r0", "r2"]
    assert [r.name for r in again.pick(routers[1:])] == ["r5", "r2"]  # removed routers drop out
    assert json.loads((tmp_path / "recent.json").read_text()) == again.ids  # ids only: no names, no secrets
    (tmp_path / "recent.json").write_text("{broken")
    assert RecentRouters(tmp_path).ids == []
    (tmp_path / "recent.json").write_text("[" * 100_000 + "]" * 100_000)  # nested too deeply to parse
    assert RecentRouters(tmp_path).ids == []


def test_state_icons_differ(qapp: QApplication) -> None:
    images = [state_icon(state).pixmap(32, 32).toImage() for state in TrayState]
    assert all(not image.isNull() for image in images)
    assert len({bytes(image.constBits()) for image in images}) == len(TrayState)


def _handler() -> tuple[list[tuple[str, bool]], list[str], object]:
    started: list[tuple[str, bool]] = []
    shown: list[str] = []
    routers = [OFFICE, make_router(name="Branch", host="127.0.0.2", port=8292)]
    handler = make_handler(
        lambda: routers, lambda r, launch, _service: started.append((r.name, launch)), lambda: shown.append("x")
    )
    return started, shown, handler


@pytest.mark.parametrize(
    ("request_", "reply", "start"),
    [
        (Request("show"), Reply(True, "The running knockgui window was brought to the front."), []),
        (Request("connect", name="mikrotik-office"), Reply(True, "Knocking on and connecting to MikroTik-Office in the running knockgui."), [("MikroTik-Office", True)]),
        (Request("knock", name="Branch"), Reply(True, "Knocking on Branch in the running knockgui."), [("Branch", False)]),
        (Request("link", link="winbox://127.0.0.2:8292"), Reply(True, "Knocking on and connecting to Branch in the running knockgui."), [("Branch", True)]),
        (Request("link", link="knockgui://knock/MikroTik-Office"), Reply(True, "Knocking on MikroTik-Office in the running knockgui."), [("MikroTik-Office", False)]),
        (Request("knock", name="Nowhere"), Reply(False, "No router named 'Nowhere' is in the inventory; check the name with knockgui-cli list."), []),
        (Request("knock", name="evil\x1b[2J"), Reply(False, "No router named '(a name with unprintable characters)' is in the inventory; check the name with knockgui-cli list."), []),
        (Request("link", link="winbox://127.0.0.9"), Reply(False, "No router with the address 127.0.0.9 is in the inventory, so knockgui cannot knock first; add the router, then open the link again."), []),
    ],
)  # fmt: skip
def test_requests_are_answered_and_start_the_right_knock(
    request_: Request, reply: Reply, start: list[tuple[str, bool]]
) -> None:
    started, shown, handler = _handler()
    assert handler(request_) == reply  # type: ignore[operator]
    assert started == start
    assert shown == (["x"] if request_.action == "show" else [])


def _args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


def test_command_line_requests() -> None:
    assert request_from(_args()) == Request("show")
    assert request_from(_args("--knock", "A")) == Request("knock", name="A")
    assert request_from(_args("--connect", "A")) == Request("connect", name="A")
    assert request_from(_args("winbox://[2001:db8::1]:8292")) == Request("link", link="winbox://[2001:db8::1]:8292")
    with pytest.raises(InputError, match="not a link"):
        request_from(_args("MikroTik-Office"))
    with pytest.raises(InputError, match="not both"):
        request_from(_args("--knock", "A", "winbox://127.0.0.1"))
    with pytest.raises(SystemExit):
        _args("--knock", "A", "--connect", "B")


def test_a_hostile_link_is_refused_before_anything_starts(capsys: pytest.CaptureFixture[str], config_dir: Path) -> None:
    result = claim(_args("--config-dir", str(config_dir), "knockgui://connect/a|reboot"))
    assert result.exit_code == 2 and result.instance is None
    err = capsys.readouterr().err
    assert err.startswith("knockgui: The link was refused because") and err.count("\n") == 1
    assert not config_dir.exists()  # refused before taking the instance lock


def test_started_in_the_tray_without_a_tray_the_window_is_minimised(qtbot: QtBot, config_dir: Path) -> None:
    # knockgui --tray (what start with Windows / at log-in runs), with the window setting left off
    window = MainWindow(make_inventory(config_dir, []), Settings(), config_dir)
    qtbot.addWidget(window)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    access = attach(app, window, config_dir, Claim(Request("show")), in_tray=True)
    try:
        assert access.tray is None  # offscreen: no tray, so not hidden but minimised
        assert window.isMinimized()
    finally:
        access.close()
    assert build_parser().parse_args(["--tray"]).tray is True


def test_first_start_with_an_unknown_router_shows_why(
    qtbot: QtBot, config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    window = MainWindow(make_inventory(config_dir, []), Settings(start_minimised=True), config_dir)
    qtbot.addWidget(window)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    access = attach(app, window, config_dir, Claim(Request("connect", name="Nowhere")))
    try:
        assert access.tray is None  # offscreen: no tray, so the window says so
        assert window.isVisible()
        assert access.first_reply == Reply(
            False, "No router named 'Nowhere' is in the inventory; check the name with knockgui-cli list."
        )
        assert window.statusBar().currentMessage() == access.first_reply.message
        assert "No router named 'Nowhere'" in capsys.readouterr().err
    finally:
        access.close()


def test_requests_see_routers_another_program_added(qtbot: QtBot, config_dir: Path) -> None:
    window = MainWindow(make_inventory(config_dir, []), Settings(), config_dir)
    qtbot.addWidget(window)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    access = attach(app, window, config_dir, Claim(Request("show")))
    try:
        qtbot.waitUntil(lambda: window.statusBar().currentMessage() == NO_TRAY_MESSAGE)  # once painted
        assert access.routers() == []
        make_inventory(config_dir, [(Router(name="added-by-cli", host="127.0.0.1"), "1337:tcp")])  # the CLI, say
        assert [r.name for r in access.routers()] == ["added-by-cli"]
        assert window.model.rowCount() == 1  # the window's list follows too
    finally:
        access.close()


def test_settings_button_registers_the_link_handler(qtbot: QtBot, isolated_home: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel, QPushButton

    from knockgui.gui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(None, Settings())
    qtbot.addWidget(dialog)
    button = dialog.findChild(QPushButton, "registerLinks")
    result = dialog.findChild(QLabel, "registerLinksResult")
    assert button is not None and result is not None and result.text() == ""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    desktop = isolated_home / ".local/share/applications/knockgui-links.desktop"
    assert result.text() == f"knockgui now opens knockgui:// and winbox:// links ({desktop})."
    assert "MimeType=x-scheme-handler/knockgui;x-scheme-handler/winbox;" in desktop.read_text()


def test_a_windowed_build_without_stdio_still_refuses_quietly(
    monkeypatch: pytest.MonkeyPatch, config_dir: Path
) -> None:
    monkeypatch.setattr("sys.stderr", None)  # pythonw / a windowed exe on Windows
    monkeypatch.setattr("sys.stdout", None)
    assert claim(_args("--config-dir", str(config_dir), "winbox://a;b")).exit_code == 2


def test_the_first_request_waits_for_the_first_paint_and_not_past_close(qtbot: QtBot, config_dir: Path) -> None:
    def start() -> tuple[MainWindow, object]:
        window = MainWindow(make_inventory(config_dir, []), Settings(), config_dir)
        qtbot.addWidget(window)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        return window, attach(app, window, config_dir, Claim(Request("connect", name="Nowhere")))

    window, access = start()
    assert window.isVisible() and access.first_reply is None  # the window comes first
    qtbot.waitUntil(lambda: access.first_reply is not None)
    assert window.statusBar().currentMessage().startswith("No router named 'Nowhere'")
    access.close()

    window, access = start()
    access.close()  # quit before the first paint: the queued start-up work does nothing
    qtbot.wait(400)  # past the first paint and the 250 ms fallback
    assert access.first_reply is None and access.tray is None
    assert not window.statusBar().currentMessage()
