"""Knocking many routers at once (a group, all of them, several names), with a bounded number in flight.

:func:`knock_many` keeps at most ``parallel`` routers in flight, being knocked or checked. Worker
threads send the knocks (each asks ``sequence_of`` for its router's sequence when its turn comes; the
CLI reads all the entries first in one keyring pass: knockgui.core.bulk_secrets) and hand each check
to the check loops (knockgui.core.checkloop), so a router that never answers holds sockets but no
thread. File descriptors stay bounded: a check here tries a new connection every ``FLEET_RETRY_S``
(not every 200 ms as a single check does) after one early retry at 300 ms (``FLEET_EARLY_S``), so a
silent router holds at most ``sockets_per_knock(timeout) - 1`` sockets (4 for 3 s) and the whole run
at most ``parallel`` times that. Every outcome, success or failure, is a :class:`FleetOutcome` (an
error becomes its sentence, never an exception); ``on_done`` is called in the calling thread as each
router finishes.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from knockgui.core.address import Family, resolve
from knockgui.core.checkloop import CheckLoops
from knockgui.core.errors import CancelledError, InputError, KnockguiError, NetworkError
from knockgui.core.knock import send_sequence, sent_message, validate
from knockgui.core.model import Router
from knockgui.core.probe import CANCEL_SLICE_S, MAX_PENDING, Attempts, PortCheck, attempt_offsets
from knockgui.core.sequence import Sequence

DEFAULT_PARALLEL = 512
SPARE_FDS = 64  # the keyring connection, stdio, the interpreter's own
MAX_PARALLEL = 512
FLEET_RETRY_S = 1.0
# One early retry (a first SYN that raced the router's list update costs 300 ms, not a whole second);
# a single check's 25/50/100 ms retries would put four SYNs per router on a slow link before the
# first answer can be back.
FLEET_EARLY_S = (0.0, 0.3)


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
    knocked_at: float = 0.0  # time.time() of the last knock step (0: none was sent)


def groups_of(routers: Iterable[Router], group: str) -> list[Router]:
    """The routers in ``group`` (ignoring case and surrounding spaces); InputError when none is."""
    wanted = group.strip().casefold()
    found = [r for r in routers if r.group.strip().casefold() == wanted]
    if not found:
        raise InputError(f'No saved router is in the group "{group.strip()}"; see knockgui-cli list.')
    return found


def sockets_per_knock(timeout: float) -> int:
    """The most sockets one router's knock and check hold at once (pending attempts, one knock step)."""
    return min(len(attempt_offsets(timeout, FLEET_RETRY_S, FLEET_EARLY_S)), MAX_PENDING) + 1


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


class _Run:
    """One :func:`knock_many`: the jobs' outcomes arrive on a queue, from the workers (a knock that
    failed, or one without a check) and from the check loops (every check)."""

    def __init__(self, jobs: list[FleetJob], parallel: int, cancel: threading.Event) -> None:
        self.jobs = jobs
        self.cancel = cancel
        self.slots = threading.BoundedSemaphore(parallel)  # routers in flight: knocking or being checked
        self.finished: queue.SimpleQueue[tuple[int, FleetOutcome | BaseException]] = queue.SimpleQueue()
        self.loops = CheckLoops(min(parallel, len(jobs)), cancel)

    def end(self, index: int, outcome: FleetOutcome) -> None:
        self.slots.release()
        self.finished.put((index, outcome))

    def take_slot(self) -> bool:
        """Wait for a free slot; False when the run was cancelled first."""
        while not self.slots.acquire(timeout=CANCEL_SLICE_S):
            if self.cancel.is_set():
                return False
        return True

    def work(self, index: int, sequence_of: Callable[[Router], Sequence], family: Family) -> None:
        """Knock job ``index`` and hand its check to a check loop (a worker thread's part)."""
        job = self.jobs[index]
        not_knocked = _outcome(job, "", 0.0, "cancelled", False, "Not knocked: cancelled.")
        if not self.take_slot():
            self.finished.put((index, not_knocked))
            return
        if self.cancel.is_set():  # cancelled while the slot was being taken
            self.end(index, not_knocked)
            return
        try:
            self._knock(index, job, sequence_of, family)
        except BaseException as exc:  # a bug: re-raised in the waiting thread, never lost in a worker
            self.finished.put((index, exc))

    def _knock(self, index: int, job: FleetJob, sequence_of: Callable[[Router], Sequence], family: Family) -> None:
        router, started, address = job.router, time.monotonic(), ""
        try:
            sequence = sequence_of(router)
            if job.delay_ms is not None:
                sequence = sequence.with_delay(job.delay_ms)
            validate(sequence, job.check_port, job.timeout)
            target = resolve(router.host, family, self.cancel)
            address = target.address
            _first, last = send_sequence(target, sequence, cancel=self.cancel)
        except CancelledError as exc:
            self.end(index, _outcome(job, address, _ms(started), "cancelled", False, exc.message))
            return
        except KnockguiError as exc:
            self.end(index, _outcome(job, address, _ms(started), "error", False, exc.message))
            return
        knocked_at = time.time() - (time.monotonic() - last)
        if job.check_port is None:
            message = sent_message(target, len(sequence.steps))
            self.end(index, _outcome(job, address, _ms(started), "sent", True, message, knocked_at))
            return
        check = Attempts(
            target, job.check_port, timeout=job.timeout, since=last, interval=FLEET_RETRY_S, early=FLEET_EARLY_S
        )

        def checked(result: PortCheck | NetworkError) -> None:
            if isinstance(result, NetworkError):
                outcome = _outcome(job, address, _ms(started), "error", False, result.message, knocked_at)
            else:
                ok = result.was_successful()
                outcome = _outcome(job, address, _ms(started), result.state.value, ok, result.message, knocked_at)
            self.end(index, outcome)

        self.loops.submit(check, checked)


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


def _outcome(
    job: FleetJob, address: str, ms: float, result: str, ok: bool, message: str, knocked_at: float = 0.0
) -> FleetOutcome:
    return FleetOutcome(job.router.name, job.router.host, address, result, ok, ms, message, knocked_at)


def knock_many(
    jobs: list[FleetJob],
    sequence_of: Callable[[Router], Sequence],
    *,
    parallel: int = DEFAULT_PARALLEL,
    family: Family = Family.ANY,
    on_done: Callable[[FleetOutcome], None] | None = None,
    cancel: threading.Event | None = None,
) -> list[FleetOutcome]:
    """Knock every job with at most ``parallel`` routers in flight; the outcomes in the jobs' order.
    ``on_done`` is called in the calling thread as each router finishes."""
    if not 1 <= parallel <= MAX_PARALLEL:
        raise InputError(f"The number of knocks in flight must be from 1 to {MAX_PARALLEL}, not {parallel}.")
    if not jobs:
        return []
    run = _Run(jobs, parallel, cancel if cancel is not None else threading.Event())
    outcomes: list[FleetOutcome | None] = [None] * len(jobs)
    pool = ThreadPoolExecutor(max_workers=min(parallel, len(jobs)), thread_name_prefix="knockgui-fleet")
    try:
        for index in range(len(jobs)):
            pool.submit(run.work, index, sequence_of, family)
        for _ in range(len(jobs)):
            while True:  # in slices, so that a Ctrl-C reaches this thread on every platform
                try:
                    index, got = run.finished.get(timeout=0.2)
                    break
                except queue.Empty:
                    continue
            if isinstance(got, BaseException):
                raise got
            outcomes[index] = got
            if on_done is not None:
                on_done(got)
        return [outcome for outcome in outcomes if outcome is not None]
    except BaseException:  # a Ctrl-C in the waiting thread: cancel the rest, running knocks end within 100 ms
        run.cancel.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        run.loops.close()
