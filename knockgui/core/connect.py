"""Connect: knock, check the service port, and launch the client only when the port opened.

:func:`connect` reads the router's secret from the inventory (the keyring) only now, builds the launch
plan first (so a missing client is reported before anything is sent), knocks with a check of the
router's service port, and starts the plan through :mod:`knockgui.core.process` only when the check
says open. When it is not open the result's message says why (the check's sentence) and nothing is
started, unless ``force`` asks to launch anyway. When the client fails to start after the knock,
:class:`LaunchAfterKnockError` (a LaunchError, exit 3) says both facts in one sentence ("Port 8291 on
r1 opened in 40 ms, but Winbox could not be started ...") and keeps the knock result in ``.knock``.

Keep-open: while the launched program runs, :class:`KeepOpen` re-knocks before the router's final
address-list timeout runs out (the router's ``keep_open_s``, else four fifths of ``final_timeout_s``),
and stops when the program exits or when cancelled.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from knockgui.core import process
from knockgui.core.errors import KnockguiError, LaunchError
from knockgui.core.knock import KnockResult, check_port, knock
from knockgui.core.launch import LaunchPlan, Machine, build_launch
from knockgui.core.model import NO_CLIENT, Router, Service, ServiceSpec
from knockgui.core.opened import OpenEntry, OpenState, reknock_interval
from knockgui.core.probe import ProgressCallback
from knockgui.core.sequence import Sequence
from knockgui.core.settings import Settings
from knockgui.core.store import Inventory

Reknocked = Callable[[KnockResult | None, KnockguiError | None], None]
QUICK_CHECK_S = 1.0  # the port check of a router that is still open (no knock)


class KeepOpen:
    """Re-knock every ``interval_s`` seconds while ``alive()`` is true; a thread with a cancel Event."""

    def __init__(
        self,
        interval_s: float,
        reknock: Callable[[threading.Event], KnockResult],
        alive: Callable[[], bool],
        *,
        on_knock: Reknocked | None = None,
        poll_s: float = 0.2,
    ) -> None:
        if interval_s <= 0:
            raise ValueError("interval_s must be positive")
        self.interval_s = interval_s
        self.cancel = threading.Event()
        self.knocks = 0
        self.failures = 0
        self.last: KnockResult | None = None
        self.last_error: str | None = None
        self._reknock = reknock
        self._alive = alive
        self._on_knock = on_knock
        self._poll_s = poll_s
        self._thread = threading.Thread(target=self._run, name="knockgui-keep-open", daemon=True)

    def start(self) -> KeepOpen:
        self._thread.start()
        return self

    def _run(self) -> None:
        due = time.monotonic() + self.interval_s
        while not self.cancel.is_set() and self._alive():
            now = time.monotonic()
            if now < due:
                self.cancel.wait(min(self._poll_s, due - now))
                continue
            due += self.interval_s
            result: KnockResult | None = None
            error: KnockguiError | None = None
            try:
                result = self._reknock(self.cancel)
                self.knocks += 1
                self.last = result
            except KnockguiError as exc:
                if self.cancel.is_set():
                    break
                self.failures += 1
                self.last_error = exc.message
                error = exc
            if self._on_knock is not None:
                self._on_knock(result, error)

    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float | None = 5.0) -> None:
        """Stop re-knocking (within about one poll interval)."""
        self.cancel.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the program to exit (or for a stop); ``True`` when keep-open has ended."""
        self._thread.join(timeout)
        return not self._thread.is_alive()


class LaunchAfterKnockError(LaunchError):
    """The knock went out (its result is ``.knock``) but the client could not be started."""

    def __init__(self, knock_result: KnockResult, launch_error: LaunchError, label: str) -> None:
        check = knock_result.check
        if check is not None and check.was_successful() and check.latency_ms is not None:
            done = f"Port {check.port} on {_where(knock_result)} opened in {check.latency_ms:.0f} ms"
        elif check is not None:
            done = f"Port {check.port} on {_where(knock_result)} did not open ({check.state.value})"
        else:
            done = f"The knock was sent to {_where(knock_result)}"
        why = launch_error.message
        if not (label and why.startswith(label)):
            why = why[:1].lower() + why[1:]
        super().__init__(f"{done}, but {why}")
        self.knock = knock_result


def _where(result: KnockResult) -> str:
    return result.host if result.host == result.address else f"{result.host} ({result.address})"


@dataclass(frozen=True)
class ConnectResult:
    knock: KnockResult
    launched: LaunchPlan | None
    pid: int | None
    message: str
    process: process.DetachedProcess | None = field(default=None, compare=False, repr=False)
    keep_open: KeepOpen | None = field(default=None, compare=False, repr=False)
    open_until: OpenEntry | None = None  # the router lists the knocked address until then
    service: ServiceSpec | None = None  # the service that was checked (and started)

    def was_successful(self) -> bool:
        """The port opened (and, when a launch was asked for, the program started)."""
        return self.knock.was_successful() and (self.launched is None or self.pid is not None)


def effective_sequence(router: Router, sequence: Sequence, settings: Settings) -> Sequence:
    """The sequence with its default delay: the router's, else the stored one, else the settings'."""
    if router.delay_ms is not None:
        return sequence.with_delay(router.delay_ms)
    if sequence.delay_ms:
        return sequence
    return sequence.with_delay(settings.default_delay_ms)


HANDOVER_WAIT_S = 2.0  # how long an opener may take to hand over before it counts as started


def _handover_failed(started: process.DetachedProcess, plan: LaunchPlan) -> LaunchError | None:
    """The error when the opener ended at once with a failure (xdg-open with no browser: exit 3), else None."""
    if not started.wait(HANDOVER_WAIT_S) or started.returncode in (0, None):
        return None
    program = os.path.basename(plan.argv[0])
    if plan.setting == "browser":
        return LaunchError(
            f"No browser could be started for {plan.description} ({program} ended with exit code "
            f"{started.returncode}); install a browser or choose one in Settings (browser)."
        )
    return LaunchError(
        f"{plan.label} did not start {plan.description} ({program} ended with exit code {started.returncode}); "
        f"check Settings ({plan.setting})."
    )


def connect(
    inventory: Inventory,
    router: Router,
    settings: Settings,
    *,
    service: str | Service | None = None,
    launch: bool = True,
    force: bool = False,
    knock_again: bool = False,
    keep_open: bool | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    on_reknock: Reknocked | None = None,
    platform: str = sys.platform,
    machine: Machine | None = None,
) -> ConnectResult:
    """Knock on ``router``, check the port of ``service`` (default: the router's default service), and
    start its client, given the address that was knocked, when the port opened.

    Within the router's final timeout after a knock that opened (see :mod:`knockgui.core.opened`) no new
    knock is sent: a quick check of the port, then the client starts; ``knock_again`` (and ``launch=False``,
    "knock only") knocks anyway.
    ``keep_open``: ``None`` follows the router (on when ``router.keep_open_s`` is set), ``True`` turns
    it on, ``False`` turns it off; it re-knocks before the listing runs out. Raises KnockguiError
    subclasses for bad input, keyring problems and a missing client; what the network answered is in
    the result.
    """
    spec = router.service_for(service)
    reuse = launch and not knock_again  # "knock only" always knocks
    launch = launch and spec.kind not in NO_CLIENT
    secret = inventory.secret(router)
    client = replace(router, user=secret.login) if secret.login and not router.user else router  # an imported login
    opened_state = OpenState(inventory.path.parent)
    # Built now so that a missing client is reported before anything is sent; built again below with the
    # address that was knocked.
    plan = build_launch(client, settings, platform, secret.password, machine=machine, service=spec) if launch else None
    sequence = effective_sequence(router, secret.knock_sequence, settings)
    timeout = router.timeout_s if router.timeout_s is not None else settings.default_timeout_s
    port = spec.effective_port
    result = _still_open(opened_state, router, port, timeout, cancel) if reuse else None
    if result is None:
        knocked_at = time.time()
        result = knock(router.host, sequence, check_port=port, timeout=timeout, on_progress=on_progress, cancel=cancel)
        if result.was_successful():
            opened_state.record(router, result.address, knocked_at)
    until = opened_state.get(router) if result.was_successful() else None
    if plan is None:
        message = result.message
        if spec.kind in NO_CLIENT and result.was_successful():
            message += f" Start your {spec.label} client now."
        return ConnectResult(result, None, None, message, open_until=until, service=spec)
    opened = result.was_successful()
    if not opened and not force:
        return ConnectResult(result, None, None, f"{plan.label} was not started. {result.message}", service=spec)
    plan = build_launch(
        client, settings, platform, secret.password, machine=machine, service=spec, address=result.address
    )
    try:
        started = process.start(
            plan.argv, dict(plan.env) or None, console=plan.console, label=plan.label, setting=plan.setting
        )
    except LaunchError as exc:
        raise LaunchAfterKnockError(result, exc, plan.label) from None
    if not plan.tracks_session:  # an opener (xdg-open, open, Windows Terminal) hands over and ends: at once
        problem = _handover_failed(started, plan)  # with an error when there was nothing to hand over to
        if problem is not None:
            raise LaunchAfterKnockError(result, problem, plan.label)
    if opened:
        message = f"Started {plan.description} (pid {started.pid})."
        if result.steps_sent == 0 and until is not None:
            message += f" No knock was needed: it stays open until {until.clock()}."
    else:
        message = f"Started {plan.description} anyway (pid {started.pid}), although: {result.message}"
    wanted = router.keep_open_s is not None if keep_open is None else keep_open
    keeper = None
    if wanted:
        if plan.tracks_session:
            interval = reknock_interval(router, settings.default_keep_open_s)

            def reknock(stop: threading.Event) -> KnockResult:
                knocked_at = time.time()
                again = knock(router.host, sequence, check_port=port, timeout=timeout, cancel=stop)
                if again.was_successful():
                    opened_state.record(router, again.address, knocked_at)
                return again

            keeper = KeepOpen(interval, reknock, started.running, on_knock=on_reknock).start()
            message += f" Re-knocking every {_duration(interval)} while it runs."
        else:
            message += (
                f" Keep-open is off: {plan.description} hands over to another process that knockgui cannot watch."
            )
    return ConnectResult(result, plan, started.pid, message, started, keeper, open_until=until, service=spec)


def _still_open(
    state: OpenState, router: Router, port: int, timeout: float, cancel: threading.Event | None
) -> KnockResult | None:
    """A result without a knock when the router still lists our address and the port answers at once."""
    entry = state.usable(router)
    if entry is None:
        return None
    started = time.monotonic()
    check = check_port(entry.address, port, timeout=min(QUICK_CHECK_S, timeout), cancel=cancel)
    if not check.was_successful():
        return None  # listing gone (the router restarted, another address...): knock as usual
    message = f"{check.message} No knock was needed: it stays open until {entry.clock()}."
    elapsed = round((time.monotonic() - started) * 1000, 3)
    return KnockResult(router.host, entry.address, 0, elapsed, check, message)


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    hours, minutes = divmod(seconds // 60, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"
