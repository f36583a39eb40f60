"""Short texts for the Result column and the status bar, from the core's results and progress events.

They read the agreed fields of ``KnockResult`` / ``PortCheck`` / ``ConnectResult`` by name, so this
module needs no import of the engine and works with any object that has those fields.
"""

from __future__ import annotations

from typing import Any

from knockgui.gui.router_model import StatusKind


def progress_text(event: Any) -> str:
    """``step 2 of 3 sent (udp)`` / ``checking port 8291``: the core Progress's message."""
    message = getattr(event, "message", None)
    return str(message) if message else str(event)


def _seconds(value: float) -> str:
    return f"{value:g} s"


def knock_result_status(result: Any, timeout_s: float | None = None) -> tuple[str, StatusKind]:
    """Text and kind for a KnockResult: ``open in 38 ms``, ``no answer after 5 s``, ``knocked (2 steps)``."""
    check = getattr(result, "check", None)
    if check is None:
        steps = getattr(result, "steps_sent", 0)
        noun = "step" if steps == 1 else "steps"
        return f"knocked ({steps} {noun} sent)", StatusKind.OK
    raw = getattr(check, "state", "")
    state = str(getattr(raw, "name", raw)).upper()  # CheckState member name: OPEN, NO_ANSWER...
    if state == "OPEN":
        latency = getattr(check, "latency_ms", None)
        if latency is None:
            text = "open"
        else:
            text = f"open in {latency:.1f} ms" if latency < 10 else f"open in {latency:.0f} ms"
        return text, StatusKind.OK
    if state == "NO_ANSWER" and timeout_s:
        return f"no answer after {_seconds(timeout_s)}", StatusKind.FAILED
    if state == "CANCELLED":
        return "cancelled", StatusKind.INFO
    message = getattr(check, "message", "") or getattr(result, "message", "") or state.lower().replace("_", " ")
    return str(message), StatusKind.FAILED


def connect_result_status(result: Any, timeout_s: float | None = None) -> tuple[str, StatusKind, str]:
    """Text, kind and detail for a ConnectResult: the knock's text, and what was started (the detail)."""
    knock = getattr(result, "knock", None)
    text, kind = knock_result_status(knock, timeout_s) if knock is not None else ("", StatusKind.OK)
    until = getattr(result, "open_until", None)
    if kind is StatusKind.OK and until is not None:
        text = ("still open" if getattr(knock, "steps_sent", 1) == 0 else text) + f", open until {until.clock()}"
    launched = getattr(result, "launched", None)
    pid = getattr(result, "pid", None)
    if kind is StatusKind.OK and launched is not None and pid is not None:
        return text, kind, "started " + (getattr(launched, "description", "") or "the client")
    if kind is StatusKind.OK and launched is not None:  # the port opened but the client did not start
        return str(getattr(result, "message", "") or text), StatusKind.FAILED, ""
    return text, kind, ""
