"""Fuzzing the decoders: random and mutated input gives records or one InputError, nothing else, quickly."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knockgui.core.errors import InputError
from knockgui.core.importers import csvfile, putty, wbx, winbox
from knockgui.core.importers.records import MAX_TEXT, Record

RECORD = Record(host="10.0.0.1:8291", user="admin", password="pw", note="Офис", group="HQ")
SEEDS = {
    "winbox": winbox.encode([winbox.record_fields(RECORD), winbox.record_fields(Record(host="10.0.0.2"))]),
    "wbx": wbx.encode([RECORD, RECORD], window=True),
    "csv": csvfile.encode_records([RECORD, Record(host="h", sequence="1337")], delimiter=";", bom=True),
    "putty": putty.encode_reg({"a b": {"HostName": "10.0.0.1", "PortNumber": 22, "Protocol": "ssh"}}),
}
DECODERS = {
    "winbox": lambda data: winbox.decode(data, "pw"),
    "wbx": wbx.decode,
    "csv": csvfile.decode,
    "putty": putty.decode_reg,
}


def _run(kind: str, data: bytes) -> None:
    start = time.monotonic()
    try:
        records = DECODERS[kind](data)
    except InputError as exc:
        assert exc.message.endswith(".") and "\n" not in exc.message
        records = []
    for record in records:
        assert isinstance(record, Record)
        for value in (record.host, record.user, record.password, record.note, record.group, record.name):
            assert isinstance(value, str) and len(value) <= MAX_TEXT
    assert time.monotonic() - start < 2.0  # bounded: no decoder loops or balloons on hostile input


def _mutate(seed: bytes) -> st.SearchStrategy[bytes]:
    def apply(edits: list[tuple[int, int]], cut: int) -> bytes:
        data = bytearray(seed)
        for at, value in edits:
            data[at % len(data)] = value
        return bytes(data[: max(4, cut % (len(data) + 1))])

    return st.builds(
        apply, st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=6), st.integers(0, 10_000)
    )


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(kind=st.sampled_from(sorted(DECODERS)), data=st.binary(max_size=2000))
def test_random_bytes(kind: str, data: bytes) -> None:
    _run(kind, data)


@FUZZ
@given(kind=st.sampled_from(sorted(DECODERS)), tail=st.binary(max_size=400))
def test_random_bytes_after_the_magic(kind: str, tail: bytes) -> None:
    _run(kind, SEEDS[kind][:4] + tail)


@FUZZ
@given(data=st.data())
def test_mutated_valid_files(data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(sorted(SEEDS)))
    _run(kind, data.draw(_mutate(SEEDS[kind])))


@FUZZ
@given(data=st.data())
def test_mutated_locked_winbox_file(data: st.DataObject) -> None:
    locked = winbox.encode([winbox.record_fields(RECORD)], password="pw")
    _run("winbox", data.draw(_mutate(locked)))


@FUZZ
@given(text=st.text(max_size=300))
def test_csv_and_reg_text(text: str) -> None:
    _run("csv", ("host;name\r\n" + text).encode("utf-8", errors="surrogatepass"))
    _run("putty", ("Windows Registry Editor Version 5.00\r\n" + text).encode("utf-8", errors="surrogatepass"))


def test_lengths_near_the_limits() -> None:
    big = b"x" * 65535
    fields = [(winbox.F_HOST, winbox.T_STR16, big), (winbox.F_NOTE, winbox.T_STR16, big)]
    _run("winbox", winbox.encode([fields] * 20))
    _run("csv", b"host,note\n" + b"h," + b"y" * 200_000 + b"\n")  # past csv's field limit: a sentence


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    records=st.lists(
        st.builds(
            Record,
            host=st.one_of(
                st.text(max_size=40), st.sampled_from(["10.0.0.1", "10.0.0.1:8291", "[::1]:22", "AA:BB:CC:DD:EE:FF"])
            ),
            name=st.text(max_size=70),
            port=st.one_of(st.none(), st.integers(1, 65535)),
            group=st.text(max_size=70),
            kind=st.sampled_from(["", "winbox", "ssh", "custom", "bogus"]),
            user=st.text(max_size=20),
            password=st.text(max_size=20),
            note=st.text(max_size=100),
            sequence=st.sampled_from(["", "1337", "99999:tcp", "1:udp 2:tcp"]),
        ),
        max_size=12,
    )
)
def test_any_records_plan_and_apply_or_say_why(records: list[Record], tmp_path_factory: pytest.TempPathFactory) -> None:
    """Whatever the decoders hand over, the plan maps it (or skips it with a reason) and applies it."""
    from pathlib import Path

    from knockgui.core.importers import Source
    from knockgui.core.importers.plan import Action, apply, build_plan
    from knockgui.core.secrets import MemorySecretStore
    from knockgui.core.store import Inventory

    inventory = Inventory.open(tmp_path_factory.mktemp("cfg"), MemorySecretStore())
    plan = build_plan(inventory, Source(Path("x.cdb"), "winbox", tuple(records)))
    assert len(plan.entries) == len(records)
    assert all(e.reason for e in plan.of(Action.SKIP))
    apply(inventory, plan)
    names = [r.name.casefold() for r in inventory.routers]
    assert len(names) == len(set(names)) == len(plan.of(Action.ADD))
    for router in inventory.routers:
        assert router.needs_sequence == (
            inventory.secrets.get(router.id) is None or inventory.secrets.get(router.id).sequence is None
        )  # type: ignore[union-attr]
    text = inventory.path.read_text() if inventory.path.exists() else ""
    others = [v for r in records for v in (r.host, r.name, r.group, r.note, r.user, r.kind, r.sequence)]
    others += ['"schema"', '"routers"', '"needs_sequence"', "true", "false", '"services"']
    for record in records:
        if len(record.password) >= 6 and not any(record.password in o for o in others):
            assert record.password not in text
