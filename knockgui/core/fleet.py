"""Knocking many routers at once (a group, all of them, several names), with a bounded number in flight.

:func:`knock_many` runs one knock (and, when asked, a check of the port) per router on a thread pool
of ``parallel`` workers; each worker asks ``sequence_of`` for its router's sequence when its turn comes
(the CLI reads all the entries first in one keyring pass: knockgui.core.bulk_secrets). File
descriptors stay bounded: a
check here tries a new connection every ``FLEET_RETRY_S`` (not every 200 ms as a single check does),
so a silent router holds at most ``len(attempt_offsets(timeout, FLEET_RETRY_S))`` sockets (6 for 3 s)
and the whole run at most ``parallel`` times that. Every outcome, success or failure, is a
:class:`FleetOutcome` (an error becomes its sentence, never an exception); ``on_done`` is called from
the workers as each router finishes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from knockgui.core.address import Family, resolve
from knockgui.core.errors import CancelledError, InputError, KnockguiError
from knockgui.core.knock import knock
from knockgui.core.model import Router
from knockgui.core.probe import CheckState, attempt_offsets, check_target
from knockgui.core.sequence import Sequence

DEFAULT_PARALLEL = 256
SPARE_FDS = 64  # the keyring connection, stdio, the interpreter's own
MAX_PARALLEL = 512
FLEET_RETRY_S = 1.0


@dataclass(frozen=True)
class FleetJob:
    """One router to knock: ``check_port`` None sends only; ``delay_ms``/``timeout`` are the effective ones."""

    router: Router
    check_port: int | None
    timeout: float
    delay_ms: int | None = None  # None: the sequence's own (already effective) delay


@dataclass(frozen=True)
class FleetOutcome:
    """What happened to one router. ``result`` is "open", "sent", a CheckState value or "error"."""

    name: str
    host: str
    address: str
    result: str
    ok: bool
    elapsed_ms: float
    message: str


def groups_of(routers: Iterable[Router], group: str) -> list[Router]:
    """The routers in ``group`` (ignoring case and surrounding spaces); InputError when none is."""
    wanted = group.strip().casefold()
    found = [r for r in routers if r.group.strip().casefold() == wanted]
    if not found:
        raise InputError(f'No saved router is in the group "{group.strip()}"; see knockgui-cli list.')
    return found


def sockets_per_knock(timeout: float) -> int:
    """The most sockets one router's knock and check hold at once (pending attempts, one knock step)."""
    return len(attempt_offsets(timeout, FLEET_RETRY_S)) + 1


def fit_parallel(parallel: int, timeout: float) -> int:
    """``parallel``, or fewer when this process may not open enough files for that many knocks at once.

    On POSIX the soft limit of open files (often 1,024) is first raised towards the hard limit, as
    far as needed; Windows has no such per-process limit on sockets."""
    try:
        import resource
    except ImportError:
        return parallel
    need = parallel * sockets_per_knock(timeout) + SPARE_FDS
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < need:
        target = need if hard == resource.RLIM_INFINITY else min(need, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY or soft >= need:
        return parallel
    return max(1, (soft - SPARE_FDS) // sockets_per_knock(timeout))


def knock_one(
    job: FleetJob,
    sequence_of: Callable[[Router], Sequence],
    *,
    family: Family = Family.ANY,
    cancel: threading.Event | None = None,
) -> FleetOutcome:
    """Knock one router (and check its port); every failure is an outcome with its sentence."""
    router = job.router
    started = time.monotonic()
    address = ""

    def outcome(result: str, ok: bool, message: str) -> FleetOutcome:
        elapsed = round((time.monotonic() - started) * 1000, 1)
        return FleetOutcome(router.name, router.host, address, result, ok, elapsed, message)

    try:
        sequence = sequence_of(router)
        if job.delay_ms is not None:
            sequence = sequence.with_delay(job.delay_ms)
        target = resolve(router.host, family, cancel)
        address = target.address
        sent = knock(target.address, sequence, family=family, timeout=job.timeout, cancel=cancel)
        if job.check_port is None:
            return outcome("sent", True, sent.message)
        check = check_target(
            target, job.check_port, timeout=job.timeout, since=time.monotonic(), interval=FLEET_RETRY_S, cancel=cancel
        )
        if check.state is CheckState.CANCELLED:
            raise CancelledError("The knock was cancelled.")
        return outcome(check.state.value, check.was_successful(), check.message)
    except CancelledError as exc:
        return outcome("cancelled", False, exc.message)
    except KnockguiError as exc:
        return outcome("error", False, exc.message)


def knock_many(
    jobs: list[FleetJob],
    sequence_of: Callable[[Router], Sequence],
    *,
    parallel: int = DEFAULT_PARALLEL,
    family: Family = Family.ANY,
    on_done: Callable[[FleetOutcome], None] | None = None,
    cancel: threading.Event | None = None,
) -> list[FleetOutcome]:
    """Knock every job with at most ``parallel`` in flight; the outcomes in the jobs' order."""
    if not 1 <= parallel <= MAX_PARALLEL:
        raise InputError(f"The number of knocks in flight must be from 1 to {MAX_PARALLEL}, not {parallel}.")
    stop = cancel if cancel is not None else threading.Event()

    def work(job: FleetJob) -> FleetOutcome:
        if stop.is_set():
            done = FleetOutcome(
                job.router.name, job.router.host, "", "cancelled", False, 0.0, "Not knocked: cancelled."
            )
        else:
            done = knock_one(job, sequence_of, family=family, cancel=stop)
        if on_done is not None:
            on_done(done)
        return done

    pool = ThreadPoolExecutor(max_workers=min(parallel, max(1, len(jobs))), thread_name_prefix="knockgui-fleet")
    try:
        futures = [pool.submit(work, job) for job in jobs]
        return [future.result() for future in futures]
    except BaseException:  # a Ctrl-C in the waiting thread: cancel the rest, let running knocks end within 100 ms
        stop.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
