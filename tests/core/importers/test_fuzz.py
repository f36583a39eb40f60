"""Fuzzing the decoders: random and mutated input gives records or one InputError, nothing else, quickly."""

from __future__ import annotations

import time

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
