"""The knock engine: validate, resolve once, send every step in order with its delay, optionally check.

``knock()`` is what the CLI and the GUI call (the GUI from worker threads, several at once: it keeps
no shared state). Bad input raises InputError; local problems raise LocalError subclasses
(PermissionProblem, NetworkError, ResolveError); a cancel raises CancelledError within 100 ms; what
the network answered to the check is in the result. Progress events carry no port and no payload.

This module also re-exports the names of the agreed interface that live in smaller modules:
``Family`` (address.py), ``Progress``, ``CheckState``, ``PortCheck`` (probe.py).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from knockgui.core.address import Family, Target, resolve
from knockgui.core.errors import CancelledError, InputError
from knockgui.core.icmp import usable_methods
from knockgui.core.probe import (
    DEFAULT_TIMEOUT_S,
    CheckState,
    PortCheck,
    Progress,
    ProgressCallback,
    check_port,
    check_target,
)
from knockgui.core.send import send_step
from knockgui.core.sequence import Protocol, Sequence

__all__ = [
    "CheckState",
    "Family",
    "KnockResult",
    "PortCheck",
    "Progress",
    "Target",
    "check_port",
    "knock",
    "resolve",
]

MAX_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class KnockResult:
    """What a knock did. ``elapsed_ms`` runs from the first step sent to the end (check included)."""

    host: str
    address: str
    steps_sent: int
    elapsed_ms: float
    check: PortCheck | None
    message: str

    def was_successful(self) -> bool:
        """All steps were sent, and the port opened when a check was asked for."""
        return self.check is None or self.check.was_successful()


def validate(sequence: Sequence, check_port: int | None, timeout: float) -> None:
    """Raise InputError for anything a knock cannot start with."""
    if not isinstance(sequence, Sequence):
        raise InputError("The knock sequence is missing: give at least one step such as 1337:tcp.")
    for step in sequence.steps:
        step.validate()
    if check_port is not None and not 1 <= check_port <= 65535:
        raise InputError(f"The port to check must be 1-65535, not {check_port}.")
    if not 0 < timeout <= MAX_TIMEOUT_S:
        raise InputError(f"The check timeout must be more than 0 and at most {MAX_TIMEOUT_S:g} seconds.")


def _cancelled() -> CancelledError:
    return CancelledError("The knock was cancelled.")


def knock(
    host: str,
    sequence: Sequence,
    *,
    family: Family = Family.ANY,
    check_port: int | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    on_progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> KnockResult:
    """Knock on ``host`` with ``sequence``; then, if ``check_port`` is given, wait for it to open."""
    validate(sequence, check_port, timeout)
    total = len(sequence.steps)
    emit = on_progress or (lambda _event: None)
    waiter = cancel if cancel is not None else threading.Event()

    emit(Progress("resolve", 0, total, f"resolving {host.strip()}"))
    target = resolve(host, family, cancel)
    if waiter.is_set():
        raise _cancelled()
    first, last = send_sequence(target, sequence, on_progress=emit, cancel=waiter)

    check = None
    if check_port is not None:
        check = check_target(target, check_port, timeout=timeout, since=last, on_progress=emit, cancel=cancel)
        if check.state is CheckState.CANCELLED:
            raise _cancelled()
        message = check.message
    else:
        message = sent_message(target, total)
    elapsed = round((time.monotonic() - first) * 1000, 3)
    result = KnockResult(target.host, target.address, total, elapsed, check, message)
    emit(Progress("done", total, total, message))
    return result


def send_sequence(
    target: Target,
    sequence: Sequence,
    *,
    on_progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> tuple[float, float]:
    """Send every step of an already validated ``sequence`` to a resolved ``target``, in order, with its
    delays; return the ``time.monotonic()`` of the first and of the last step sent. A cancel raises
    CancelledError within 100 ms; a step that cannot be sent raises NetworkError/PermissionProblem."""
    total = len(sequence.steps)
    emit = on_progress or (lambda _event: None)
    waiter = cancel if cancel is not None else threading.Event()
    icmp_methods: tuple[str, ...] = ()
    if any(step.protocol is Protocol.ICMP for step in sequence.steps):
        icmp_methods = usable_methods(target.family)  # PermissionProblem now, not after half the steps

    first = last = time.monotonic()
    for i, step in enumerate(sequence.steps):
        send_step(step, target, i + 1, total, icmp_methods=icmp_methods)
        last = time.monotonic()
        if i == 0:
            first = last
        emit(Progress("step", i + 1, total, f"step {i + 1} of {total} sent ({step.protocol.value})"))
        delay = sequence.delay_after(i)
        if (delay and waiter.wait(delay / 1000)) or waiter.is_set():
            raise _cancelled()
    return first, last


def sent_message(target: Target, steps: int) -> str:
    """What a knock without a check reports: ``Sent 2 knock steps to office (192.0.2.1).``"""
    return f"Sent {steps} knock {'step' if steps == 1 else 'steps'} to {_where(target)}."


def _where(target: Target) -> str:
    return target.host if target.host == target.address else f"{target.host} ({target.address})"
