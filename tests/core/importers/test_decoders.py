"""The decoders of other programs' router lists, over the Winbox samples and files written by our encoders."""

from __future__ import annotations

from pathlib import Path

import pytest

from knockgui.core.errors import InputError
from knockgui.core.importers import csvfile, putty, read_source, wbx, winbox
from knockgui.core.importers.records import MAX_RECORDS, Record, read_bounded

FIXTURES = Path("/work/shared/fixtures/winbox-cdb")
if not FIXTURES.is_dir():  # the samples also travel with the tests' data in CI checkouts
    FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "winbox-cdb"
SAMPLES = sorted(FIXTURES.glob("*.cdb"))


def sample(name: str) -> list[Record]:
    return winbox.decode((FIXTURES / name).read_bytes())


@pytest.mark.skipif(not SAMPLES, reason="the Winbox samples (fixtures/winbox-cdb) are not here")
@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name[:50])
def test_every_sample_decodes_and_round_trips(path: Path) -> None:
    data = path.read_bytes()
    records = winbox.decode(data)
    # every sample says what it holds in its name: a kept password only where one was saved, MAC/RoMON skipped
    for record in records:
        assert record.kind == "winbox"
        if "romon" in path.name:
            assert "RoMON" in record.skip
        elif record.host.count(":") == 5:
            assert not record.skip  # a MAC address is refused when the plan maps it (one place)
    locked = winbox.encode([winbox.record_fields(r) for r in records], password="master pw")
    assert winbox.is_locked(locked) and locked[4:] != data[4:]
    again = winbox.decode(locked, "master pw")
    assert [(r.host, r.user, r.password, r.note, r.group) for r in again] == [
        (r.host, r.user, r.password, r.note, r.group) for r in records
    ]


def test_sample_fields() -> None:
    (r,) = sample("user-with-saved-123-password-profile-own-with-group-mygroup-with-comment-mycomment.cdb")
    assert (r.host, r.user, r.password, r.note, r.group, r.skip) == (
        "192.0.2.1",
        "user",
        "123",
        "mycomment",
        "mygroup",
        "",
    )
    (r,) = sample("user-with-no-saved-password-profile-own-with-group-mygroup-with-comment-mycomment.cdb")
    assert (r.user, r.password) == ("user", "")
    two = sample(
        "user-with-saved-123-password-profile-own-with-group-mygroup-with-comment-mycomment-and-admin-nopassword-on-same-ip-address-with-saved-password-with-comments-with-group-on-admin-shows-two-entries.cdb"
    )
    assert [(r.user, r.note, r.group) for r in two] == [
        ("user", "mycomment", "mygroup"),
        ("admin", "newcomment", "newgroup"),
    ]
    assert sample("min.cdb") == []
    (mac,) = sample("using-mac-address-with-saved-password.cdb")
    assert mac.host == "96:5D:80:7D:BF:59" and mac.password == "claude"


def test_locked_file_needs_the_right_password() -> None:
    record = Record(host="10.0.0.1", user="admin", password="s3cret-pw", note="Office")
    data = winbox.encode([winbox.record_fields(record)], password="right one")
    assert b"s3cret" not in data and b"Office" not in data
    with pytest.raises(InputError, match="locked with a master password"):
        winbox.decode(data)
    with pytest.raises(InputError, match="master password is wrong"):
        winbox.decode(data, "wrong one")
    (got,) = winbox.decode(data, "right one")
    assert (got.host, got.user, got.password, got.note) == ("10.0.0.1", "admin", "s3cret-pw", "Office")


def test_unknown_field_ids_are_skipped_by_type_and_unknown_types_skip_the_entry() -> None:
    fields = winbox.record_fields(Record(host="10.0.0.2", note="x"))
    extra = [
        (0x77, winbox.T_U64, 2**40),
        (0x78, winbox.T_U32_ARRAY, (1, 2, 3)),
        (0x79, winbox.T_BYTES8, b"\x00\xff"),
        (0x7A, winbox.T_STR16, b"long" * 100),
        (0x7B, winbox.T_U32, 7),
    ]
    good = winbox.encode([extra + fields])
    (r,) = winbox.decode(good)
    assert r.host == "10.0.0.2" and not r.skip
    body = winbox.encode_fields(fields) + b"\x01\x00\x00\x55"  # a field of type 0x55: size unknown
    data = winbox.OPEN_MAGIC + len(body).to_bytes(4, "little") + body
    data += winbox.encode([winbox.record_fields(Record(host="10.0.0.3"))])[4:]
    skipped, kept = winbox.decode(data)
    assert "unknown kind" in skipped.skip and kept.host == "10.0.0.3"


@pytest.mark.parametrize(
    ("data", "phrase"),
    [
        (b"\x0d\xf0\x1d\xc0\xff\x00\x00\x00M2", "runs past the end"),
        (b"\x0d\xf0\x1d\xc0\x04\x00\x00\x00XXYY", "not a Winbox message"),
        (b"\x0d\xf0\x1d\xc0\x04\x00\x00\x00M2\x01\x00", "ends inside its key"),
        (b"\x0d\xf0\x1d\xc0\x07\x00\x00\x00M2\x01\x00\x00\x21\x09", "past the end of its entry"),
        (b"\x0d\xf0\x1d\xc0\x01\x00", "ends inside an entry's length"),
        (b"\x0d\xf0\x11\x40short", "ends inside its header"),
        (b"PK\x03\x04", "signature"),
    ],
)
def test_broken_cdb_is_one_sentence(data: bytes, phrase: str) -> None:
    with pytest.raises(InputError, match=phrase) as caught:
        winbox.decode(data)
    assert caught.value.message.endswith("nothing was imported.") or "signature" in phrase


def test_cdb_entry_count_is_capped() -> None:
    entry = winbox.encode([winbox.record_fields(Record(host="10.0.0.1"))])[4:]
    with pytest.raises(InputError, match="more than"):
        winbox.decode(winbox.OPEN_MAGIC + entry * (MAX_RECORDS + 1))


def test_winbox_locations_per_platform() -> None:
    linux = winbox.locations("linux", {"HOME": "/home/t"})
    assert linux[0] == Path("/home/t/.local/share/MikroTik/WinBox/Addresses.cdb")
    assert winbox.locations("linux", {"HOME": "/h", "XDG_DATA_HOME": "/x"})[0] == Path(
        "/x/MikroTik/WinBox/Addresses.cdb"
    )
    win = winbox.locations("win32", {"APPDATA": "C:/Users/t/AppData/Roaming"})
    assert win[-1] == Path("C:/Users/t/AppData/Roaming/Mikrotik/Winbox/Addresses.cdb")
    mac = winbox.locations("darwin", {"HOME": "/Users/t"})
    assert mac == [Path("/Users/t/Library/Application Support/MikroTik/WinBox/Addresses.cdb")]


def test_find_saved_finds_the_file(tmp_path: Path) -> None:
    assert winbox.find_saved("linux", {"HOME": str(tmp_path)}) is None
    target = tmp_path / ".local/share/MikroTik/WinBox/Addresses.cdb"
    target.parent.mkdir(parents=True)
    target.write_bytes(winbox.OPEN_MAGIC)
    assert winbox.find_saved("linux", {"HOME": str(tmp_path)}) == target


# ----- .wbx -----


def test_wbx_cyrillic_note_in_cp1251_and_window_record() -> None:
    records = [
        Record(host="10.1.1.1:8299", user="admin", password="pw1", note="Офис на Ленина", group="Москва"),
        Record(host="10.1.1.2", user="ivan", note="plain"),
    ]
    data = wbx.encode(records, "cp1251", window=True)
    assert "Офис".encode("cp1251") in data
    got = wbx.decode(data)
    assert [(r.host, r.user, r.password, r.note, r.group) for r in got] == [
        ("10.1.1.1:8299", "admin", "pw1", "Офис на Ленина", "Москва"),
        ("10.1.1.2", "ivan", "", "plain", ""),
    ]
    assert wbx.decode(wbx.encode(records[:1], "utf-8"))[0].note == "Офис на Ленина"


def test_wbx_password_not_kept_is_dropped() -> None:
    data = bytearray(wbx.encode([Record(host="10.1.1.1", password="pw")]))
    at = data.index(b"keep-pwd") + len(b"keep-pwd")
    data[at] = 0
    assert wbx.decode(bytes(data))[0].password == ""


@pytest.mark.parametrize(
    ("data", "phrase"),
    [
        (b"\x0f\x10\xc0\xbe\x10\x00\x04host", "past the end"),
        (b"\x0f\x10\xc0\xbe\x02\x00\x09ab", "key is longer"),
        (b"\x0f\x10\xc0\xbe\x02", "inside an entry's length"),
        (b"\x0f\x10\xc0\xbf", "signature"),
    ],
)
def test_broken_wbx_is_one_sentence(data: bytes, phrase: str) -> None:
    with pytest.raises(InputError, match=phrase):
        wbx.decode(data)


# ----- CSV -----


@pytest.mark.parametrize(("delimiter", "bom"), [(",", False), (";", True), (";", False), (",", True)])
def test_csv_round_trip_with_either_separator_and_bom(delimiter: str, bom: bool) -> None:
    records = [
        Record(host="10.2.0.1", name="Core; main", port=2222, group="HQ", kind="ssh", user="root", note='say "hi"'),
        Record(host="10.2.0.2", password="pw, with comma", sequence="1337:tcp 2000:udp", note="Заметка"),
    ]
    got = csvfile.decode(csvfile.encode_records(records, delimiter=delimiter, bom=bom))
    assert got == records


def test_csv_any_order_subset_and_aliases() -> None:
    data = b"Notes;Address;Name;extra\r\nfirst router;10.3.0.1;R1;x\r\n;;;\r\n;10.3.0.2;;\r\n"
    got = csvfile.decode(data)
    assert [(r.name, r.host, r.note) for r in got] == [("R1", "10.3.0.1", "first router"), ("", "10.3.0.2", "")]


@pytest.mark.parametrize(
    ("data", "phrase"),
    [
        (b"name,port\nx,1\n", "no host column"),
        (b"", "empty"),
        ("host\n10.0.0.1\n".encode("utf-16"), "not UTF-8"),
        (b'host,name\n"10.0.0.1,x\n', "line"),
    ],
)
def test_broken_csv_is_one_sentence(data: bytes, phrase: str) -> None:
    with pytest.raises(InputError, match=phrase):
        csvfile.decode(data)


def test_csv_bad_port_skips_the_row() -> None:
    (bad, good) = csvfile.decode(b"host,port\n10.0.0.1,99999\n10.0.0.2,8291\n")
    assert "port" in bad.skip and good.port == 8291 and not good.skip


# ----- PuTTY -----

SESSIONS: dict[str, dict[str, str | int]] = {
    "Core router": {"HostName": "10.4.0.1", "PortNumber": 2222, "Protocol": "ssh", "UserName": "admin"},
    "Old switch": {"HostName": "ops@10.4.0.2", "PortNumber": 23, "Protocol": "telnet"},
    "Console": {"SerialLine": "COM1", "Protocol": "serial"},
    "Default Settings": {"HostName": "", "Protocol": "ssh"},
}


def _check_sessions(records: list[Record]) -> None:
    by_name = {r.name: r for r in records}
    core = by_name["Core router"]
    assert (core.host, core.port, core.kind, core.user, core.skip) == ("10.4.0.1", 2222, "ssh", "admin", "")
    old = by_name["Old switch"]
    assert (old.host, old.port, old.kind, old.user) == ("10.4.0.2", 23, "telnet", "ops")
    assert "serial" in by_name["Console"].skip
    assert "default settings" in by_name["Default Settings"].skip


@pytest.mark.parametrize("utf16", [True, False])
def test_putty_reg_export(utf16: bool) -> None:
    data = putty.encode_reg(SESSIONS, utf16=utf16)
    assert b"Core%20router" in data or "Core%20router".encode("utf-16-le") in data
    _check_sessions(putty.decode_reg(data))


def test_putty_sessions_folder(tmp_path: Path) -> None:
    putty.write_folder(tmp_path / "sessions", SESSIONS)
    assert (tmp_path / "sessions" / "Core%20router").is_file()
    source = read_source(tmp_path / "sessions")
    assert source.format == "putty"
    _check_sessions(list(source.records))


def test_putty_reg_ignores_other_keys() -> None:
    text = (
        "Windows Registry Editor Version 5.00\r\n\r\n"
        "[HKEY_CURRENT_USER\\Software\\SimonTatham\\PuTTY\\SshHostKeys]\r\n"
        '"rsa2@22:10.0.0.9"="0x23,0xab"\r\n'
        "[HKEY_CURRENT_USER\\Software\\SimonTatham\\PuTTY\\Sessions\\a%20b]\r\n"
        '"HostName"="10.0.0.8"\r\n"Protocol"="ssh"\r\n"PortNumber"=dword:00000016\r\n'
    )
    (r,) = putty.decode_reg(text.encode("utf-8"))
    assert (r.name, r.host, r.port) == ("a b", "10.0.0.8", 22)


# ----- reading files -----


def test_format_from_magic_then_extension(tmp_path: Path) -> None:
    cases = {
        "a.bin": winbox.encode([winbox.record_fields(Record(host="10.0.0.1"))]),
        "b.dat": wbx.encode([Record(host="10.0.0.1")]),
        "c.txt": putty.encode_reg(SESSIONS),
        "d.csv": b"host\n10.0.0.1\n",
    }
    expected = {"a.bin": "winbox", "b.dat": "wbx", "c.txt": "putty", "d.csv": "csv"}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        assert read_source(tmp_path / name).format == expected[name]
    (tmp_path / "e.bin").write_bytes(b"\x00\x01")
    with pytest.raises(InputError, match="give --format"):
        read_source(tmp_path / "e.bin")


def test_fifo_device_and_huge_files_are_refused_unread(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        read_source(fifo)  # would hang if it were opened and read
    with pytest.raises(InputError, match="not a regular file"):
        read_source(Path("/dev/zero"))
    big = tmp_path / "big.csv"
    with big.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)  # a sparse 100 MB file
    with pytest.raises(InputError, match="larger than"):
        read_source(big)
    with pytest.raises(InputError, match="larger than"):
        read_bounded(tmp_path / "fifo2" if False else big, 10)
    with pytest.raises(InputError, match="Could not read"):
        read_source(tmp_path / "missing.cdb")
