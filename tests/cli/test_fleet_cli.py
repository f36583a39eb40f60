"""Whole-group knocks: ``knockgui-cli knock --group G`` / ``--all`` / ``NAME NAME...`` against many router
addresses in one namespace (each address with its own knock state), sequences in a real keyring."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from knockgui.core.fleet import FleetJob, knock_many
from knockgui.core.model import Router
from knockgui.core.secrets import KeyringSecretStore, RouterSecret
from knockgui.core.sequence import Sequence, parse_sequence
from knockgui.core.store import Inventory
from tests.conftest import need
from tests.testbed.fleet import SEQUENCE, WRONG_SEQUENCE, FleetRouter
from tests.testbed.netns import have_root_netns, wait_for
from tests.testbed.secret_service import SecretService


def cli(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "knockgui.cli", *args], capture_output=True, text=True, timeout=60, **kwargs
    )


@pytest.fixture
def fleet(secret_service: SecretService, config_dir: Path) -> Iterator[FleetRouter]:
    """r0-r3 in "Branches" (right sequence), r4 in "Branches" (wrong: stays silent), r5 in "Depot"."""
    need(have_root_netns())
    with FleetRouter(6) as routers:
        inventory = Inventory.open(config_dir, KeyringSecretStore())
        for i, address in enumerate(routers.addresses):
            inventory.add(
                Router(name=f"r{i}", host=address, group="Depot" if i == 5 else "Branches", timeout_s=1.5),
                RouterSecret(parse_sequence(WRONG_SEQUENCE if i == 4 else SEQUENCE)),
            )
        yield routers


@pytest.mark.root
@pytest.mark.keyring
def test_group_knock_table_and_exit_code(fleet: FleetRouter) -> None:
    done = cli("knock", "--group", "branches", "--check")
    assert done.returncode == 1, done.stderr
    rows = [line.split() for line in done.stdout.splitlines()]
    assert rows[0] == ["NAME", "HOST", "RESULT", "TIME"]
    assert [(row[0], row[1]) for row in rows[1:]] == [(f"r{i}", fleet.addresses[i]) for i in range(5)]
    assert [" ".join(row[2:-2]) for row in rows[1:]] == ["open"] * 4 + ["no answer"]
    assert all(row[-1] == "ms" and row[-2].isdigit() for row in rows[1:])
    assert f"knockgui-cli: r4: Port 8291 on {fleet.addresses[4]} did not answer within 1.5 s" in done.stderr
    assert done.stderr.splitlines()[-1] == "knockgui-cli: 4 of 5 routers opened."
    assert "\r" not in done.stderr  # no progress line when stderr is no terminal
    assert "1337" not in done.stdout + done.stderr
    counters = fleet.counters()
    assert counters["knock1"] == 4 and counters["knock2"] == 4  # one knock each (r4's 1338 hit nothing)
    # Each address opened on its own: r5 (not in the group) is still closed.
    assert cli("knock", "r5", "--check", "--timeout", "0.5").returncode == 0
    assert fleet.counters()["knock1"] == 5


@pytest.mark.root
@pytest.mark.keyring
def test_names_json_and_all(fleet: FleetRouter) -> None:
    done = cli("knock", "r5", "r0", "--check", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [(d["name"], d["address"], d["result"], d["ok"]) for d in data] == [
        ("r5", fleet.addresses[5], "open", True),
        ("r0", fleet.addresses[0], "open", True),
    ]
    assert all(isinstance(d["ms"], float) and d["message"].startswith("Port 8291 on ") for d in data)
    sent = cli("knock", "--all", "--json", "--parallel", "2")
    assert sent.returncode == 0 and [d["result"] for d in json.loads(sent.stdout)] == ["sent"] * 6
    assert cli("knock", "--group", "nowhere").stderr == (
        'knockgui-cli: No saved router is in the group "nowhere"; see knockgui-cli list.\n'
    )
    assert cli("knock", "r1", "nobody").returncode == 2
    assert cli("knock", "--all", "--parallel", "0").stderr.startswith("knockgui-cli: --parallel must be from 1 to")


@pytest.mark.root
@pytest.mark.keyring
def test_opened_routers_are_remembered_open(fleet: FleetRouter, config_dir: Path) -> None:
    """A group knock (one write for all) and a single saved knock record "open until" in open.json, which
    the window, connect and proxy read; the router that stayed silent is not recorded."""
    from knockgui.core.opened import OpenState

    inventory = Inventory.open(config_dir, KeyringSecretStore())
    by_name = {r.name: r for r in inventory.routers}
    before = time.time()
    assert cli("knock", "--group", "Branches", "--check", "--json").returncode == 1
    state = OpenState(config_dir)
    assert set(state.all()) == {by_name[f"r{i}"].id for i in range(4)}
    for i in range(4):
        entry = state.get(by_name[f"r{i}"])
        assert entry is not None and entry.address == fleet.addresses[i]
        assert before + 3 * 3600 - 1 < entry.until < time.time() + 3 * 3600  # the final timeout after the knock
    assert cli("knock", "r5", "--check").returncode == 0
    assert set(state.all()) == {by_name[f"r{i}"].id for i in (0, 1, 2, 3, 5)}
    shown = cli("show", "r5")
    assert "open_until: " in shown.stdout and f"(for {fleet.addresses[5]})" in shown.stdout, shown.stdout


@pytest.mark.root
def test_checks_count_as_in_flight() -> None:
    """--parallel bounds the routers being knocked or checked: with two at a time and three routers that
    never answer, the third is knocked only when a check of the first two has given up (1 s)."""
    need(have_root_netns())
    with FleetRouter(3) as routers:
        jobs = [FleetJob(Router(name=f"s{i}", host=address), 8291, 1.0) for i, address in enumerate(routers.addresses)]
        outcomes = knock_many(jobs, lambda _router: parse_sequence(WRONG_SEQUENCE), parallel=2)
    assert [o.result for o in outcomes] == ["no answer"] * 3
    first, second, third = sorted(o.knocked_at for o in outcomes)
    assert third - first >= 0.95 and second - first < 0.5


@pytest.mark.root
@pytest.mark.keyring
def test_ctrl_c_cancels_a_group_knock_at_once(fleet: FleetRouter) -> None:
    """r4 never answers and would be checked for 30 s: a Ctrl-C ends the run at once, with exit 130 and one
    sentence, no traceback, and the routers already open still remembered as open."""
    from knockgui.core.opened import OpenState

    proc = subprocess.Popen(
        [sys.executable, "-m", "knockgui.cli", "knock", "--all", "--check", "--timeout", "30"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for(lambda: fleet.counters()["knock2"] >= 5, timeout=20)  # the five others were knocked
        time.sleep(0.5)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "knockgui-cli: Cancelled." and "Traceback" not in err
    assert took < 2.0
    assert out == ""
    inventory = Inventory.open(Path(os.environ["KNOCKGUI_CONFIG_DIR"]), KeyringSecretStore())
    opened = {r.id for r in inventory.routers if r.name != "r4"}
    assert set(OpenState(inventory.path.parent).all()) == opened


@pytest.mark.root
@pytest.mark.keyring
def test_progress_line_on_a_terminal(fleet: FleetRouter) -> None:
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "knockgui.cli", "knock", "--group", "Branches", "--check"],
            stdout=subprocess.PIPE,
            stderr=follower,
            text=True,
        )
        os.close(follower)
        out, _ = proc.communicate(timeout=60)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
    err = b"".join(chunks).decode()
    assert proc.returncode == 1 and out.startswith("NAME")
    assert "\rknockgui-cli: 5/5 knocked, 4 ok, 1 failed\x1b[K" in err
    assert "\r\x1b[K" in err  # cleared before the table and the failures


def test_knock_many_bounds_the_knocks_in_flight() -> None:
    """Each worker reads its secret when its turn comes; never more than ``parallel`` at once."""
    lock = threading.Lock()
    active = peak = 0

    def sequence_of(router: Router) -> Sequence:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.05)
        with lock:
            active -= 1
        return parse_sequence("9:udp")

    jobs = [FleetJob(Router(name=f"n{i}", host="127.0.0.1"), None, 1.0) for i in range(12)]
    outcomes = knock_many(jobs, sequence_of, parallel=3)
    assert [o.name for o in outcomes] == [f"n{i}" for i in range(12)]
    assert all(o.result == "sent" and o.ok for o in outcomes)
    assert peak == 3
    failed = knock_many([FleetJob(Router(name="x", host="no-such-router.invalid"), 22, 1.0)], sequence_of)
    assert failed[0].result == "error" and not failed[0].ok and "could not be resolved" in failed[0].message
