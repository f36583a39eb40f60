"""A repeatable red-team run of knockgui: hostile inputs per area, counted (issue 16).

Run from a checkout:  PYTHONPATH=$PWD python benchmarks/redteam.py [--seed N] [--quick]

Every case runs in its own temporary config folder (and one temporary HOME for the whole run), with
a private gnome-keyring (tests/testbed/secret_service.py) when it can start; no network except
127.0.0.1. A case fails when: a traceback reaches stderr, the exit code is not a documented one
(0, 1, 2, 3, 130, 141), it hangs past its timeout, a planted secret shows in stdout/stderr or in any
file of the config folder, a refused command changed routers.json, or a temporary file is left.
Prints a table of cases tried and failures per area, and each failure (area, what, command, output).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knockgui.core.errors import KnockguiError  # noqa: E402
from knockgui.core.links import parse_link  # noqa: E402

OK_CODES = {0, 1, 2, 3, 130, 141}
SEQ = "47113:tcp 52219:udp 60071:tcp"
SEQ_MARKS = ("52219", "60071")  # ports of the planted sequence (47113 alone is the first step)
PASSWORD = "Pw-S3cr3t-q7Zx"
SECRET_MARKS = (PASSWORD, "S3cr3t", "SECR")
FIXTURES = Path("/work/shared/fixtures/winbox-cdb")
TIMEOUT = 20.0

Result = tuple[int, str, str, bool]
tried: Counter[str] = Counter()
failures: list[tuple[str, str, str, str]] = []


class Env:
    """The run's temporary HOME and (if it starts) its private Secret Service."""

    def __init__(self) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="knockgui-redteam-"))
        self.keyring: Any = None
        self.keyring_reason = ""
        self.env = {
            k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS")
        }
        self.env.update(HOME=str(self.home), XDG_CONFIG_HOME=str(self.home / ".config"), PYTHONPATH=str(ROOT))
        self.env["XDG_DATA_HOME"] = str(self.home / ".local/share")
        self.env["XDG_CACHE_HOME"] = str(self.home / ".cache")
        self.env.pop("KNOCKGUI_CONFIG_DIR", None)
        try:
            from tests.testbed.secret_service import SecretService, have_secret_service

            self.keyring_reason = have_secret_service()
            if not self.keyring_reason:
                self.keyring = SecretService().start()
                self.env.update(self.keyring.env())
        except Exception as exc:  # any reason the keyring cannot start skips area 6
            self.keyring_reason = f"the private keyring did not start ({exc})"
            self.keyring = None

    def close(self) -> None:
        if self.keyring is not None:
            self.keyring.close()
        shutil.rmtree(self.home, ignore_errors=True)


ENV: Env


def new_cfg() -> Path:
    return Path(tempfile.mkdtemp(prefix="cfg-", dir=ENV.home))


def run(
    cfg: Path, args: list[str], stdin: str = "", timeout: float = TIMEOUT, extra: dict[str, str] | None = None
) -> Result:
    env = dict(ENV.env, KNOCKGUI_CONFIG_DIR=str(cfg), **(extra or {}))
    cmd = [sys.executable, "-m", "knockgui.cli", *(a.replace("\x00", "") for a in args)]  # argv has no NUL
    try:
        p = subprocess.run(
            cmd,
            input=stdin.encode("utf-8", "surrogateescape"),
            capture_output=True,
            timeout=timeout,
            env=env,
            cwd=str(ENV.home),
            start_new_session=True,
        )
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace"), False
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b"").decode("utf-8", "replace")
        err = (exc.stderr or b"").decode("utf-8", "replace")
        return -1, out, err, True


def files_text(cfg: Path) -> str:
    parts = []
    for f in cfg.rglob("*"):
        if f.is_file():
            try:
                parts.append(f.read_bytes()[:2_000_000].decode("utf-8", "replace"))
            except OSError:
                pass
    return "\n".join(parts)


def check(
    area: str,
    cfg: Path,
    args: list[str],
    result: Result,
    *,
    secrets_out: bool = True,
    seq_out: bool = True,
    before: bytes | None = None,
    leftovers: bool = True,
) -> bool:
    """Count one case; record each failure. ``before``: routers.json's bytes that a refused command must keep."""
    rc, out, err, hung = result
    tried[area] += 1
    cmd = "knockgui-cli " + " ".join(repr(a) if (not a or any(c in a for c in " \n\t'\"")) else a for a in args)
    cmd = cmd[:300]
    problems = []
    if hung:
        problems.append(f"hung past {TIMEOUT:.0f} s")
    elif "Traceback (most recent call last)" in err or "Traceback (most recent call last)" in out:
        problems.append("traceback")
    elif rc not in OK_CODES:
        problems.append(f"exit {rc}")
    marks = list(SECRET_MARKS) + (list(SEQ_MARKS) if seq_out else [])
    text = (out + err) if secrets_out else err
    for m in marks if secrets_out else SECRET_MARKS:
        if m in text:
            problems.append(f"secret {m!r} in output")
            break
    ftext = files_text(cfg) if cfg.exists() else ""
    for m in list(SECRET_MARKS) + list(SEQ_MARKS):
        if m in ftext:
            problems.append(f"secret {m!r} in a config file")
            break
    if before is not None and rc != 0:
        now = (cfg / "routers.json").read_bytes() if (cfg / "routers.json").exists() else None
        if now != before:
            problems.append("refused command changed routers.json")
    if leftovers and cfg.exists():
        tmp = [f.name for f in cfg.iterdir() if f.name.endswith(".tmp")]
        if tmp:
            problems.append(f"temp file left: {tmp}")
    for p in problems:
        failures.append((area, p, cmd, (err or out)[-400:].strip()))
    return not problems


def cfg_with_router(name: str = "Office", host: str = "127.0.0.1", password: bool = False) -> tuple[Path, bool]:
    cfg = new_cfg()
    args = ["add", name, "--host", host, "--sequence", SEQ]
    stdin = ""
    if password:
        args.append("--password-prompt")
        stdin = PASSWORD + "\n" + PASSWORD + "\n"
    rc, _o, _e, _h = run(cfg, args, stdin=stdin)
    return cfg, rc == 0


# ---------------------------------------------------------------- area 1: option values

JUNK_VALUES = [
    "",
    " ",
    "-1",
    "-0",
    "0",
    "1" * 400,
    "9" * 5000,
    "1e9",
    "0x10",
    "١٢",
    "²",
    "１２",
    "12\n",
    "3h\n",
    "\x00",
    "\x1b[31m",
    "a" * 10000,
    "nan",
    "inf",
    "1.5",
    "  7  ",
    "+5",
    "3h;/system reset",
    "३",
    "‮12",
    "99999999999999999999",
    "-99999999999",
    "1_000",
    "0o7",
    "true",
    "null",
    "\udcff\udcfe",  # bytes ff fe in argv (not UTF-8)
    "3h\r\nx",
    "1h2h",
]
SERVICE_VALUES = [
    "ssh:99999",
    "ssh:-1",
    "ssh:",
    ":22",
    "ssh:22:33",
    "nosuch",
    "ssh:١٢",
    "custom:0",
    "winbox:8291x",
    "SSH:22",
    "ssh:" + "9" * 400,
    "webfig\n:80",
    "ssh:22 --host x",
    "",
    "ssh:0x16",
    "ssh: 22",
    "telnet:²",
]


def area_options(quick: bool) -> list[tuple[str, list[str]]]:
    jobs = []
    vals = JUNK_VALUES[:12] if quick else JUNK_VALUES
    opts = ["--delay", "--timeout", "--keep-open", "--port", "--final-timeout"]
    for opt in opts:
        for v in vals:
            jobs.append(("add", ["add", "R1", "--host", "127.0.0.1", "--sequence", SEQ, opt + "=" + v]))
            jobs.append(("edit", ["edit", "Office", opt + "=" + v]))
    for v in SERVICE_VALUES:
        jobs.append(("add", ["add", "R2", "--host", "127.0.0.1", "--sequence", SEQ, "--service=" + v]))
        jobs.append(("edit", ["edit", "Office", "--default-service=" + v]))
    for v in vals:
        jobs.append(("knock", ["knock", "127.0.0.1", "1:udp", "--delay=" + v, "--timeout=1"]))
        jobs.append(("knock", ["knock", "127.0.0.1", v or "x"]))
        jobs.append(("add", ["add", v or "-", "--host", v or "x", "--sequence", v or "x", "--user=" + v]))
        jobs.append(("connect", ["connect", "Office", "--no-launch", "--service=" + v]))
        jobs.append(("settings", ["settings", "set", "default_timeout_s", v]))
        jobs.append(("settings", ["settings", "set", v or "x", v]))
    return jobs


def run_options(pool: ThreadPoolExecutor, quick: bool) -> None:
    base, ok = cfg_with_router()
    if not ok:
        failures.append(("1 options", "could not add the base router", "add Office", ""))
    before = (base / "routers.json").read_bytes() if (base / "routers.json").exists() else None

    def one(job: tuple[Any, ...]) -> None:
        _kind, args = job
        cfg = new_cfg()
        if before is not None:
            (cfg / "routers.json").write_bytes(before)
        res = run(cfg, args, timeout=TIMEOUT)
        check("1 options", cfg, args, res, before=before, seq_out=False)

    list(pool.map(one, area_options(quick)))


# ---------------------------------------------------------------- area 2: corrupt files


def corrupt_contents(rng: random.Random) -> list[tuple[str, bytes]]:
    good = {
        "schema": 2,
        "routers": [{"id": "a1", "name": "Office", "host": "127.0.0.1"}],
    }
    out = [
        ("random", rng.randbytes(300)),
        ("empty", b""),
        ("truncated", json.dumps(good).encode()[:25]),
        ("bom", b"\xef\xbb\xbf" + json.dumps(good).encode()),
        ("list", b"[]"),
        ("null", b"null"),
        ("string", b'"x"'),
        ("huge int", b'{"schema": ' + b"9" * 5000 + b"}"),
        ("huge float", b'{"schema": 1e999}'),
        ("deep", b"[" * 100000 + b"]" * 100000),
        ("deep dict", b'{"a":' * 50000 + b"1" + b"}" * 50000),
        ("schema 1", json.dumps({"schema": 1, "routers": []}).encode()),
        ("schema 99", json.dumps({"schema": 99, "routers": [{"name": "Future", "x": 1}]}).encode()),
        ("schema str", b'{"schema": "2", "routers": []}'),
        ("routers dict", b'{"schema": 2, "routers": {"a": 1}}'),
        ("router wrong types", json.dumps({"schema": 2, "routers": [{"name": 5, "host": [], "id": {}}]}).encode()),
        (
            "duplicate names",
            json.dumps(
                {
                    "schema": 2,
                    "routers": [
                        {"id": "a", "name": "X", "host": "1.2.3.4"},
                        {"id": "b", "name": "x", "host": "1.2.3.5"},
                    ],
                }
            ).encode(),
        ),
        (
            "huge ints in router",
            json.dumps(
                {
                    "schema": 2,
                    "routers": [{"id": "a", "name": "X", "host": "1.2.3.4", "port": 10**400, "delay_ms": -(10**300)}],
                }
            ).encode(),
        ),
        ("nan", b'{"schema": 2, "routers": [{"id":"a","name":"X","host":"1.2.3.4","timeout_s": NaN}]}'),
        ("utf16", json.dumps(good).encode("utf-16")),
        ("latin1", '{"schema": 2, "routers": [{"id":"a","name":"Büro","host":"1.2.3.4"}]}'.encode("latin-1")),
        ("nul", b'{"schema": 2\x00}'),
        ("dup keys", b'{"schema": 2, "schema": 99, "routers": []}'),
        (
            "big",
            b'{"schema": 2, "routers": ['
            + b",".join([b'{"id":"i%d","name":"n%d","host":"10.0.0.1"}' % (i, i) for i in range(20000)])
            + b"]}",
        ),
    ]
    for i in range(6):
        b = bytearray(json.dumps(good).encode())
        for _ in range(3):
            b[rng.randrange(len(b))] = rng.randrange(256)
        out.append((f"flipped {i}", bytes(b)))
    return out


def run_corrupt(pool: ThreadPoolExecutor, rng: random.Random, quick: bool) -> None:
    contents = corrupt_contents(rng)
    if quick:
        contents = contents[:10]
    settings_junk = [
        b'{"default_timeout_s": ' + b"1" + b"0" * 400 + b"}",
        b'{"default_timeout_s": -5, "ssh_client": 7}',
        b"\x00\xff" * 50,
        b'{"terminal": "' + b"a" * 100000 + b'"}',
        b"[" * 50000,
        b'{"default_delay_ms": 1e999}',
    ]
    jobs = []
    for label, data in contents:
        for args in (
            ["list"],
            ["show", "Office"],
            ["add", "New", "--host", "127.0.0.1", "--sequence", SEQ],
            ["export", "-"],
        ):
            jobs.append(("routers.json", label, data, args))
    for i, data in enumerate(settings_junk + [c[1] for c in contents[:8]]):
        for args in (["settings", "list"], ["settings", "set", "default_timeout_s", "5"], ["list"]):
            jobs.append(("settings.json", f"settings {i}", data, args))
    for label, data in contents[:12]:
        jobs.append(("open.json", label, data, ["connect", "Office", "--no-launch"]))

    def one(job: tuple[Any, ...]) -> None:
        fname, label, data, args = job
        cfg = new_cfg()
        if fname != "routers.json":
            run(cfg, ["add", "Office", "--host", "127.0.0.1", "--sequence", SEQ, "--timeout", "1"])
        (cfg / fname).write_bytes(data)
        res = run(cfg, args, timeout=TIMEOUT)
        # a damaged file may be copied aside (routers.json.corrupt-...) and a new list started: what must
        # hold is that its bytes survive somewhere in the folder
        ok = check("2 corrupt files", cfg, [*args, f"[{fname}: {label}]"], res, seq_out=False)
        rc, out, err, _ = res
        migrated = label == "schema 1" and rc == 0  # an older list is rewritten in today's schema
        if (
            fname == "routers.json"
            and not migrated
            and not any(f.is_file() and f.read_bytes() == data for f in cfg.iterdir())
        ):
            failures.append(
                ("2 corrupt files", "the damaged file's bytes were lost", " ".join(args) + f" [{label}]", err[-200:])
            )
        # connect reports a port that did not open (exit 1) on stdout, as knock --check does
        if ok and rc not in (0, 1) and not err.strip():
            failures.append(
                ("2 corrupt files", "refused without a sentence", " ".join(args) + f" [{fname}: {label}]", out[-200:])
            )
        if label == "schema 99" and fname == "routers.json" and (cfg / fname).read_bytes() != data:
            failures.append(("2 corrupt files", "newer-schema file changed", " ".join(args), err[-200:]))

    list(pool.map(one, jobs))


# ---------------------------------------------------------------- area 3: links


def hostile_links(rng: random.Random, n: int) -> list[str]:
    schemes = ["knockgui://", "winbox://", "KNOCKGUI://", "knockgui:", "winbox:/", "http://", "knockgui:///", ""]
    pieces = [
        "connect/",
        "knock/",
        "Office",
        "127.0.0.1",
        "[::1]",
        "[fe80::1%eth0]",
        ":8291",
        ":99999",
        ":-1",
        "%",
        "%zz",
        "%2525",
        "%00",
        "%ff",
        "?",
        "?service=ssh",
        "?service=ssh:22",
        "?service=",
        "?service=ssh:99999",
        "&service=x",
        "#frag",
        "@",
        "user:pw@",
        "/",
        "//",
        "..",
        "\x00",
        "\n",
        "‮",
        " ",
        "é",
        "١٢",
        "-x",
        "--help",
        "?service=custom&service=ssh",
        "?service=" + "a" * 300,
        "[",
        "]",
        "[::1",
        "a" * 5000,
    ]
    links = []
    for _ in range(n):
        s = rng.choice(schemes) + "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 7)))
        if rng.random() < 0.2:
            s = "".join(chr(rng.randrange(1, 0x3000)) for _ in range(rng.randrange(0, 60)))
        links.append(s)
    return links


def run_links(pool: ThreadPoolExecutor, rng: random.Random, quick: bool) -> None:
    links = hostile_links(rng, 2000 if quick else 6000)
    for link in links:
        tried["3 links (in-process)"] += 1
        try:
            parse_link(link)
        except KnockguiError as exc:
            if "Traceback" in str(exc) or not str(exc).strip():
                failures.append(("3 links (in-process)", "bad message", repr(link)[:200], str(exc)[:200]))
        except Exception as exc:  # any other exception is the failure being counted
            failures.append(("3 links (in-process)", type(exc).__name__, repr(link)[:200], str(exc)[:200]))
    base, _ok = cfg_with_router()

    def one(link: str) -> None:
        link = link.replace("\x00", "")  # argv cannot carry NUL
        check("3 links (CLI)", base, ["parse-link", link], run(base, ["parse-link", link]), seq_out=False)

    list(pool.map(one, links[: 40 if quick else 120]))


# ---------------------------------------------------------------- area 4: import files


def import_cases(rng: random.Random, scratch: Path) -> list[tuple[str, Path]]:
    cases: list[tuple[str, Path]] = []

    def put(label: str, data: bytes, suffix: str = "") -> None:
        p = scratch / f"case{len(cases)}{suffix}"
        p.write_bytes(data)
        cases.append((label, p))

    for magic, name in (
        (b"\x0d\xf0\x1d\xc0", "cdb"),
        (b"\x0d\xf0\x11\x40", "locked cdb"),
        (b"\x0f\x10\xc0\xbe", "wbx"),
    ):
        for n in (0, 4, 50, 4000):
            put(f"{name} + {n} random", magic + rng.randbytes(n), ".cdb" if "cdb" in name else ".wbx")
        put(f"{name} + huge length", magic + b"\xff\xff\xff\x7f" * 8 + rng.randbytes(40))
    for f in sorted(FIXTURES.glob("*.cdb"))[:6]:
        data = f.read_bytes()
        for cut in (5, len(data) // 3, len(data) - 1):
            put(f"{f.name} cut at {cut}", data[:cut], ".cdb")
        b = bytearray(data)
        for _ in range(8):
            b[rng.randrange(len(b))] = rng.randrange(256)
        put(f"{f.name} flipped", bytes(b), ".cdb")
    put("csv junk", b"name,host\n" + b'"unterminated,\n' + rng.randbytes(200), ".csv")
    put("csv huge field", b"name,host\nX," + b"a" * 2_000_000 + b"\n", ".csv")
    put("csv control chars", "name,host,port\n\x1b[2J,1.2.3.4,99999\n\u202e,-x,-1\n".encode(), ".csv")
    put(
        "csv many rows",
        b"name,host\n" + b"".join(b"r%d,10.0.%d.%d\n" % (i, i // 250 % 250, i % 250) for i in range(30000)),
        ".csv",
    )
    put(
        "putty reg junk",
        b'Windows Registry Editor Version 5.00\r\n[HKEY_CURRENT_USER\\Software\\SimonTatham\\PuTTY\\Sessions\\x]\r\n"HostName"=dword:zz\r\n'
        + rng.randbytes(100),
        ".reg",
    )
    put("json junk", b'{"schema": 2, "routers": [{"name": "' + b"\xff" * 10 + b'"}]}', ".json")
    put("json deep", b"[" * 100000, ".json")
    put(
        "json encrypted junk",
        json.dumps(
            {"knockgui_export": 1, "encrypted": True, "kdf": {"n": 2**30, "r": 64, "p": 64}, "data": "AAAA"}
        ).encode(),
        ".json",
    )
    put("20 MB", b"\x0d\xf0\x1d\xc0" + b"\x00" * 20_000_000, ".cdb")
    fifo = scratch / "fifo.cdb"
    os.mkfifo(fifo)
    cases.append(("fifo", fifo))
    cases.append(("/dev/zero", Path("/dev/zero")))
    cases.append(("directory of junk", scratch))
    cases.append(("missing", scratch / "nope.cdb"))
    return cases


def _office(cfg: Path) -> dict[str, Any]:
    try:
        routers = json.loads((cfg / "routers.json").read_text())["routers"]
    except (OSError, ValueError, KeyError):
        return {}
    return next((r for r in routers if str(r.get("name", "")).lower() == "office"), {})


def run_imports(pool: ThreadPoolExecutor, rng: random.Random, quick: bool) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="imports-", dir=ENV.home))
    cases = import_cases(rng, scratch)
    if quick:
        cases = cases[::2]
    base, _ok = cfg_with_router()
    before = (base / "routers.json").read_bytes() if (base / "routers.json").exists() else None
    jobs = [(label, p, dry) for label, p in cases for dry in (True, False)]

    def one(job: tuple[Any, ...]) -> None:
        label, p, dry = job
        cfg = new_cfg()
        if before is not None:
            (cfg / "routers.json").write_bytes(before)
        args = ["import", str(p)] + (["--dry-run"] if dry else [])
        res = run(cfg, args, stdin="", timeout=TIMEOUT)
        check("4 import files", cfg, [*args, f"[{label}]"], res, before=before, seq_out=False)
        if dry and before is not None and (cfg / "routers.json").read_bytes() != before:
            failures.append(("4 import files", "--dry-run wrote routers.json", " ".join(args), res[2][-200:]))

    list(pool.map(one, jobs))
    # an import that tries to retarget an existing router (issue 16 item 1): held without --replace
    for variant in (
        {"name": "Office", "host": "127.0.0.2", "pass_password": True},
        {"name": "office", "host": "127.0.0.3"},
        {"name": "Office", "host": "127.0.0.1", "command": "sh -c 'touch /tmp/pwned'"},
        {"name": "Office", "host": "127.0.0.1", "port": 2222},
    ):
        for extra in ([], ["--merge"]):
            cfg, _ok = cfg_with_router(password=True)
            office_before = _office(cfg)
            f = scratch / f"retarget{rng.randrange(10**9)}.json"
            f.write_text(
                json.dumps({"format": "knockgui-routers", "version": 1, "secrets": False, "routers": [variant]})
            )
            args = ["import", str(f), *extra]
            res = run(cfg, args)
            check("4 import files", cfg, [*args, f"[retarget {variant}]"], res, seq_out=False)
            office_after = _office(cfg)
            keys = ("host", "port", "command", "pass_password", "services")
            changed = [k for k in keys if office_before.get(k) != office_after.get(k)]
            if changed:
                failures.append(
                    (
                        "4 import files",
                        f"import retargeted Office ({changed}) without --replace",
                        " ".join(args),
                        res[1][-300:],
                    )
                )
    run_custom_command(scratch)
    # a passphrase file that is not a regular file, or is huge (hung / filled memory before 051b921)
    fifo = scratch / "pass-fifo"
    os.mkfifo(fifo)
    huge = scratch / "pass-huge"
    huge.write_bytes(b"a" * 30_000_000)
    cfg, _ok = cfg_with_router()
    good = scratch / "pass-good"
    good.write_text("a good passphrase\n")
    run(cfg, ["export", str(scratch / "real.kge"), "--with-secrets", "--passphrase-file", str(good)])
    for pf in (fifo, Path("/dev/zero"), huge):
        for args in (
            ["export", str(scratch / "out.kge"), "--with-secrets", "--passphrase-file", str(pf)],
            ["import", str(scratch / "real.kge"), "--passphrase-file", str(pf)],
        ):
            check("4 import files", cfg, args, run(cfg, args), seq_out=False)


def run_custom_command(scratch: Path) -> None:
    """An imported router's custom command does not run until confirmed (issue 16 item 1)."""
    for fmt, body in (
        ("csv", "name,host,command\nC,127.0.0.5,touch {mark}\n"),
        (
            "json",
            json.dumps(
                {
                    "format": "knockgui-routers",
                    "version": 1,
                    "secrets": False,
                    "routers": [
                        {"name": "C", "host": "127.0.0.5", "command": "touch {mark}", "services": [{"kind": "custom"}]}
                    ],
                }
            ),
        ),
    ):
        cfg = new_cfg()
        mark = scratch / f"pwned-{fmt}"
        f = scratch / f"cmd.{fmt}"
        f.write_text(body.replace("{mark}", str(mark)))
        for args in (
            ["import", str(f)],
            ["set-sequence", "C", "--sequence", "1:udp"],
            ["connect", "C", "--force", "--service", "custom"],
            ["connect", "C", "--force"],
        ):
            check("4 import files", cfg, [*args, f"[custom command via {fmt}]"], run(cfg, args), seq_out=False)
        if mark.exists():
            failures.append(
                ("4 import files", "an imported custom command ran unconfirmed", f"import {fmt}; connect C", "")
            )


# ---------------------------------------------------------------- area 5: kill -9 mid-write


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8", "replace")
    except OSError:
        return ""


def keyring_has(ids: list[str]) -> set[str]:
    """The ids that have an entry in the run's private keyring (asked by a program of its own)."""
    code = "import keyring, sys\nfor i in sys.argv[1:]:\n    print(i if keyring.get_password('knockgui', i) else '')"
    p = subprocess.run([sys.executable, "-c", code, *ids], capture_output=True, text=True, env=ENV.env, timeout=30)
    return {line for line in p.stdout.split() if line}


def run_kills(rng: random.Random, quick: bool) -> None:
    n = 20 if quick else 60
    for i in range(n):
        cfg, _ok = cfg_with_router()
        cmds = [
            ["add", f"K{i}", "--host", "127.0.0.2", "--sequence", SEQ],
            ["remove", "Office"],
            ["edit", "Office", "--host", "127.0.0.3", "--sequence", "1:udp 2:udp"],
        ]
        args = cmds[i % 3]
        hook = i % 4 == 3 and args[0] in ("add", "remove")
        env = dict(ENV.env, KNOCKGUI_CONFIG_DIR=str(cfg))
        marker = cfg.parent / f"marker-{cfg.name}"
        if hook:
            env["KNOCKGUI_PAUSE_BETWEEN_WRITES"] = str(marker)
        p = subprocess.Popen(
            [sys.executable, "-m", "knockgui.cli", *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        if hook:
            deadline = time.monotonic() + 15
            while not marker.exists() and p.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
        else:
            time.sleep(0.05 + (i / n) * 0.9 + rng.random() * 0.05)
        with_kill = p.poll() is None
        if with_kill:
            os.kill(p.pid, signal.SIGKILL)
        p.wait()
        label = (
            f"{' '.join(args)} [killed {'at the hook' if hook else 'at a delay'}{'' if with_kill else ', had ended'}]"
        )
        tried["5 kill -9"] += 1
        f = cfg / "routers.json"
        if f.exists():
            try:
                json.loads(f.read_bytes())
            except ValueError as exc:
                failures.append(("5 kill -9", "routers.json half-written", label, str(exc)))
        # the ids whose secret was changing: the journal's, and the base router's
        ids = set(re.findall(r"[0-9a-f]{32}", _read(cfg / ".routers.json.pending") + _read(f)))
        # the next start: must work, say nothing broken, and clean stale temp files
        res = run(cfg, ["list"])
        check("5 kill -9", cfg, ["list", f"[after {label}]"], res, seq_out=False)
        if ENV.keyring is not None and ids:
            in_file = set(re.findall(r"[0-9a-f]{32}", _read(f)))
            with_secret = keyring_has(sorted(ids))
            orphans = (ids - in_file) & with_secret
            bare = (ids & in_file) - with_secret
            if orphans:
                failures.append(("5 kill -9", "a secret is left for a router not in the file", label, res[2][-200:]))
            if bare and "No knock sequence is stored" not in res[2]:
                failures.append(("5 kill -9", "a router lost its secret and no warning says so", label, res[2][-200:]))
        res = run(cfg, ["show", "Office"])
        check("5 kill -9", cfg, ["show", "Office", f"[after {label}]"], res, seq_out=False)


# ---------------------------------------------------------------- area 6: secret leaks


def run_secrets(pool: ThreadPoolExecutor) -> None:
    if ENV.keyring is None:
        failures.append(("6 secret leaks", f"skipped: {ENV.keyring_reason}", "", ""))
        return
    cfg, ok = cfg_with_router(password=True)
    if not ok:
        failures.append(
            ("6 secret leaks", "could not add a router with a password", "add Office --password-prompt", "")
        )
        return
    run(cfg, ["edit", "Office", "--user", "admin", "--timeout", "1", "--service", "ssh:1", "--service", "winbox:1"])
    passfile = ENV.home / "pass.txt"
    passfile.write_text("export-passphrase-123\n")
    cases: list[tuple[list[str], str, bool]] = [
        (["list"], "", True),
        (["show", "Office"], "", True),
        (["export", "-"], "", True),
        (["export", str(cfg / "plain.json")], "", True),
        (["export", str(cfg / "enc.json"), "--with-secrets", "--passphrase-file", str(passfile)], "", True),
        (["routeros", "Office"], "", False),  # prints the sequence's ports: that is its purpose
        (["routeros", "Office", "--final-timeout", "3h\n"], "", False),
        (["routeros", "Office", "--list-prefix", "x y\n/system reset"], "", False),
        (["knock", "127.0.0.1", "1337:udp:SECR\udcffET"], "", True),
        (["knock", "127.0.0.1", "1:udp:" + PASSWORD], "", True),
        (["knock", "Office", "--check", "1", "--timeout", "1"], "", True),
        (["connect", "Office", "--no-launch"], "", True),
        (["connect", "Office", "--service", "ssh", "--force"], "", True),
        (["connect", "Office", "-v", "--no-launch"], "", True),
        (["edit", "Office", "--sequence", "-"], "47113:tcp 52219:zzz\n", True),
        (["edit", "Office", "--sequence", "1:tcp:S3cr3tpad"], "", True),
        (["add", "Office", "--host", "127.0.0.1", "--sequence", SEQ], "", True),
        (["add", "Bad", "--host", "127.0.0.1", "--sequence", "52219:udp:" + PASSWORD + "\udcff"], "", True),
        (["ssh-config"], "", True),
        (["proxy", "Office", "127.0.0.1", "1"], "", True),
        (["parse-link", "knockgui://connect/Office"], "", True),
        (["settings", "list"], "", True),
        (["self-test"], "", True),
        (["import", str(cfg / "enc.json"), "--dry-run", "--passphrase-file", str(passfile)], "", True),
        (["show", "Office", "--reveal"], "", False),
    ]
    for args, stdin, strict in cases:
        res = run(cfg, args, stdin=stdin)
        if strict:
            check("6 secret leaks", cfg, args, res)
        else:
            # the sequence may be printed here; the password never (except by --reveal)
            ok_pw = "--reveal" in args
            check("6 secret leaks", cfg, args, res, seq_out=False, secrets_out=not ok_pw)
    # the exports written by the cases above live in cfg too; check already grepped them


# ---------------------------------------------------------------- main


def main() -> int:
    global ENV
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--quick", action="store_true", help="fewer cases")
    ap.add_argument("--json", help="also write the figures to this file")
    opts = ap.parse_args()
    rng = random.Random(opts.seed)
    ENV = Env()
    started = time.monotonic()
    times: dict[str, float] = {}
    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            steps: list[tuple[str, Callable[[], None]]] = [
                ("1", lambda: run_options(pool, opts.quick)),
                ("2", lambda: run_corrupt(pool, rng, opts.quick)),
                ("3", lambda: run_links(pool, rng, opts.quick)),
                ("4", lambda: run_imports(pool, rng, opts.quick)),
                ("5", lambda: run_kills(rng, opts.quick)),
                ("6", lambda: run_secrets(pool)),
            ]
            for name, fn in steps:
                t = time.monotonic()
                fn()
                times[name] = time.monotonic() - t
                print(f"area {name} done in {times[name]:.0f} s", file=sys.stderr, flush=True)
    finally:
        ENV.close()
    fails = Counter(a for a, *_ in failures if not _[0].startswith("skipped"))
    areas = sorted(set(tried) | set(fails))
    print(
        f"\nred-team run, seed {opts.seed}, {time.monotonic() - started:.0f} s, keyring: {'private gnome-keyring' if ENV.keyring else ENV.keyring_reason}"
    )
    print(f"{'area':28} {'cases':>7} {'failures':>9}")
    for a in areas:
        print(f"{a:28} {tried[a]:>7} {fails[a]:>9}")
    print(f"{'total':28} {sum(tried.values()):>7} {sum(fails.values()):>9}")
    for area, what, cmd, out in failures:
        print(f"\n[{area}] {what}\n  $ {cmd}\n  " + out.replace("\n", "\n  "))
    if opts.json:
        Path(opts.json).write_text(
            json.dumps({"seed": opts.seed, "tried": tried, "failures": failures, "times": times}, indent=1)
        )
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
