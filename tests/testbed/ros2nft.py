"""RouterOS script text -> commands -> nftables, for the tests (not part of knockgui).

* :func:`parse_script` reads a RouterOS script strictly (menu lines such as ``/ip firewall filter``,
  ``add k=v ...`` and ``remove [find where ...]`` lines, ``#`` comments) into :class:`Command` values,
  and refuses anything else, so an injected line break or ``;`` shows up as an error or an extra command.
* :func:`check_schema` checks a command against RouterOS 7.22.3's own ``/console/inspect`` schema
  (``tests/fixtures/routeros``, a copy of ``../shared/fixtures/routeros``): the menu and command exist, every attribute exists on that command,
  every closed value (``_completion``) is one RouterOS offers, time intervals are in RouterOS's range.
* :func:`to_nft` turns the subset of filter rules knockgui emits (and the seed's own rules) into
  nftables with the same meaning: ``chain=input`` checked top-down, first ``accept``/``drop`` wins,
  ``add-src-to-address-list`` does not stop the packet, address lists are sets with timeouts, the
  chain's policy is accept (as RouterOS's). ``/ip`` becomes ``table ip``, ``/ipv6`` ``table ip6``.

Where nftables cannot say exactly what RouterOS does, the translation is stricter and says so:
``content=`` matches the payload's first bytes (RouterOS: anywhere in it); adding an address that is
already on a list refreshes its timeout (``update``), which is what RouterOS 7 is documented to do.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO / "tests/fixtures/routeros/firewall-subset-7.22.3-deep-inspect.json"  # copy of ../shared's
SEED_PATH = REPO.parent / "shared/seed/000_ae52502a011c99b9.txt"
if not SEED_PATH.exists():  # a worktree (/work/wt/NAME) next to the lead's checkout
    SEED_PATH = REPO.parents[1] / "shared/seed/000_ae52502a011c99b9.txt"
MENUS = {"/ip firewall filter", "/ip firewall address-list", "/ipv6 firewall filter", "/ipv6 firewall address-list"}
_VALUE = r'"(?:[^"\\]|\\[0-9A-Fa-f]{2}|\\["\\$?_abfnrtv])*"|[^\s"\[\]=;]+'
_ATTR = re.compile(rf"([a-z][a-z0-9-]*)=({_VALUE})")
_WHERE = re.compile(rf"\[find where ([a-z][a-z0-9-]*)=({_VALUE})(?: or ([a-z][a-z0-9-]*)=({_VALUE}))*\]")
_ESCAPES = {'"': 0x22, "\\": 0x5C, "$": 0x24, "?": 0x3F, "_": 0x20, "a": 7, "b": 8, "f": 12, "n": 10, "r": 13}
_ESCAPES |= {"t": 9, "v": 11}


class ScriptError(ValueError):
    """The text is not a script of the shape knockgui writes."""


@dataclass
class Command:
    menu: str  # "/ip firewall filter"
    verb: str  # "add" or "remove"
    attrs: dict[str, bytes] = field(default_factory=dict)  # unquoted values
    where: dict[str, bytes] = field(default_factory=dict)  # remove [find where k=v]
    line: str = ""


def unquote(value: str) -> bytes:
    if not value.startswith('"'):
        return value.encode()
    body, out, i = value[1:-1], bytearray(), 0
    while i < len(body):
        if body[i] == "\\":
            nxt = body[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
            else:
                out.append(int(body[i + 1 : i + 3], 16))
                i += 3
        else:
            out.append(ord(body[i]))
            i += 1
    return bytes(out)


def parse_script(text: str, *, uncomment: tuple[str, ...] = ()) -> list[Command]:
    """Commands of the script in order. Lines starting with ``#`` are comments, except those starting
    with one of ``uncomment`` (e.g. ``"# /ip firewall address-list add"``), read without their ``# ``."""
    commands: list[Command] = []
    menu = ""
    for raw in text.split("\n"):
        line = raw.strip(" ")
        if uncomment and line.startswith(uncomment):
            line = line[2:]
        elif line.startswith("#") or not line:
            if line.endswith("\\"):
                raise ScriptError(f"a comment ending with a backslash joins the next line: {raw!r}")
            continue
        if any(c in line for c in "\r\t\x00;$") or "\\\n" in raw or line.endswith("\\") or not line.isascii():
            raise ScriptError(f"unexpected character in {raw!r}")
        if line.startswith("/"):
            words = line.split(" ")
            head = " ".join(words[:3])
            if head not in MENUS:
                raise ScriptError(f"unknown menu in {raw!r}")
            menu, line = head, " ".join(words[3:])
            if not line:
                continue
        if not menu:
            raise ScriptError(f"a command before any menu: {raw!r}")
        verb, _, rest = line.partition(" ")
        commands.append(_command(menu, verb, rest, raw))
    return commands


def _command(menu: str, verb: str, rest: str, raw: str) -> Command:
    if verb == "add":
        pos, attrs = 0, {}
        for m in _ATTR.finditer(rest):
            if rest[pos : m.start()].strip(" ") or m.group(1) in attrs:
                raise ScriptError(f"cannot read {raw!r}")
            attrs[m.group(1)] = unquote(m.group(2))
            pos = m.end()
        if rest[pos:].strip(" ") or not attrs:
            raise ScriptError(f"cannot read {raw!r}")
        return Command(menu, verb, attrs, line=raw)
    if verb == "remove":
        m = _WHERE.fullmatch(rest)
        if not m:
            raise ScriptError(f"cannot read {raw!r}")
        pairs = [(k, v) for k, v in zip(m.groups()[::2], m.groups()[1::2], strict=True) if k]
        return Command(menu, verb, where={k: unquote(v) for k, v in pairs}, line=raw)
    raise ScriptError(f"unknown command {verb!r} in {raw!r}")


# ----- RouterOS's own schema -----


def load_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text())  # type: ignore[no-any-return]


def _node(schema: dict[str, Any], menu: str, verb: str) -> dict[str, Any]:
    node = schema
    for word in [*menu.strip("/").split(" "), verb]:
        node = node.get(word)  # type: ignore[assignment]
        if not isinstance(node, dict):
            raise AssertionError(f"{menu} {verb}: RouterOS has no such menu or command")
    assert node.get("_type") == "cmd", f"{menu} {verb} is not a command"
    return node


def closed_values(arg: dict[str, Any]) -> set[str] | None:
    """The values RouterOS offers for an argument, or None when it is open (no list, or a syntax in desc)."""
    offered = {k for k, v in arg.get("_completion", {}).items() if v.get("style") != "syntax-meta"}
    if not offered or "desc" in arg:
        return None
    return offered


def _interval_seconds(value: str) -> int:
    m = re.fullmatch(r"(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", value)
    if not value or not m:
        raise AssertionError(f"{value!r} is not a RouterOS time interval")
    return sum(int(v or 0) * k for v, k in zip(m.groups(), (604800, 86400, 3600, 60, 1), strict=True))


def check_schema(command: Command, schema: dict[str, Any]) -> None:
    """AssertionError naming the problem when RouterOS 7.22.3 would not accept this command as written."""
    node = _node(schema, command.menu, command.verb)
    if command.verb == "remove":
        assert node.get("numbers", {}).get("_type") == "arg"
        assert _node(schema, command.menu, "find").get("where", {}).get("_type") == "arg"
        props = _node(schema, command.menu, "add")
        for key in command.where:
            assert key in props, f"{command.menu} items have no property {key!r}"
        return
    for key, raw in command.attrs.items():
        arg = node.get(key)
        assert isinstance(arg, dict) and arg.get("_type") == "arg", f"{command.menu} {command.verb}: no {key!r}"
        value = raw.decode("latin-1")
        desc = arg.get("desc", "")
        if "IP address range" in desc or "IPv6 prefix" in desc:
            net = ipaddress.ip_network(value.split("-")[0], strict=True)  # ValueError: not an address
            assert net.version == (6 if "IPv6" in desc else 4), f"{key}={value} is not what {desc} takes"
            continue
        if "time interval" in desc:
            bounds = desc.split()[0] if ".." in desc else "0s..35w3d13h13m56s"
            lo, hi = (_interval_seconds(v) for v in bounds.split(".."))
            if value not in arg.get("_completion", {}):
                assert lo <= _interval_seconds(value) <= hi, f"{key}={value} is outside {desc}"
            continue
        offered = closed_values(arg)
        if offered is None:
            continue
        parts = value.split(",") if key in ("connection-state", "tcp-flags") else [value]
        for part in parts:
            part = part[1:] if part.startswith("!") and "!" in arg["_completion"] else part
            assert part in offered, f"{command.menu} {command.verb}: {key}={part} is not one of RouterOS's values"


# ----- nftables -----


def _set_name(name: bytes) -> str:
    clean = re.sub(r"[^A-Za-z0-9]", "_", name.decode("latin-1"))[:40]
    return f"l_{clean}_{name.hex()[:16]}"


def _ports(value: str) -> str:
    neg = value.startswith("!")
    items = value.lstrip("!").split(",")
    for item in items:
        assert re.fullmatch(r"\d{1,5}(-\d{1,5})?", item), f"dst-port {value!r}"
    return ("!= " if neg else "") + "{ " + ", ".join(items) + " }"


def _flags(value: str) -> str:
    on = [f for f in value.split(",") if not f.startswith("!")]
    mask = [f.lstrip("!") for f in value.split(",")]
    return f"tcp flags & ({'|'.join(mask)}) == {'|'.join(on) if on else '0'}"


def _rule(attrs: dict[str, bytes], v6: bool, sets: dict[str, str]) -> str | None:
    a = dict(attrs)
    if a.pop("disabled", b"no") == b"yes":
        return None
    assert a.pop("chain") == b"input", "only chain=input is translated"
    action = a.pop("action", b"accept").decode()
    comment = a.pop("comment", b"").decode("latin-1")
    saddr = "ip6 saddr" if v6 else "ip saddr"
    parts: list[str] = []
    if "connection-state" in a:
        parts.append("ct state { " + a.pop("connection-state").decode() + " }")
    if "src-address" in a:
        parts.append(f"{saddr} {ipaddress.ip_network(a.pop('src-address').decode())}")
    if "src-address-list" in a:
        name = a.pop("src-address-list")
        neg = name.startswith(b"!")
        sets.setdefault(_set_name(name.lstrip(b"!")), "")
        parts.append(f"{saddr} {'!= ' if neg else ''}@{_set_name(name.lstrip(b'!'))}")
    proto = a.pop("protocol", b"").decode()
    if proto:
        parts.append(f"meta l4proto {proto}")
    if "dst-port" in a:
        assert proto in ("tcp", "udp"), "dst-port needs protocol=tcp or udp"
        parts.append(f"{proto} dport {_ports(a.pop('dst-port').decode())}")
    if "tcp-flags" in a:
        parts.append(_flags(a.pop("tcp-flags").decode()))
    if "icmp-options" in a:
        kind, _, code = a.pop("icmp-options").decode().partition(":")
        parts.append(f"{proto} type {int(kind)}" + (f" {proto} code {int(code)}" if code else ""))
    if "packet-size" in a:
        size = int(a.pop("packet-size"))
        parts.append(f"ip6 length {size - 40}" if v6 else f"ip length {size}")
    if "content" in a:
        data = a.pop("content")
        parts.append(f"@th,64,{len(data) * 8} 0x{data.hex()}")  # after the 8-byte UDP / ICMP header
    if action == "add-src-to-address-list":
        name = _set_name(a.pop("address-list"))
        timeout = a.pop("address-list-timeout", b"").decode()
        sets.setdefault(name, "")
        parts.append(f"counter update @{name} {{ {saddr}" + (f" timeout {timeout}" if timeout else "") + " }")
    elif action in ("accept", "drop"):
        parts.append(f"counter {action}")
    else:
        raise AssertionError(f"action {action} is not translated")
    assert not a, f"untranslated RouterOS attributes: {sorted(a)}"
    return " ".join(parts) + f' comment "{re.sub(r"[^A-Za-z0-9 :._-]", "_", comment)[:100]}"'


def _elements(attrs: dict[str, bytes]) -> list[str]:
    text = attrs["address"].decode()
    timeout = attrs.get("timeout", b"").decode()
    if "-" in text:  # a range, as in the seed's "192.168.33.10-192.168.33.20"
        lo, hi = (ipaddress.ip_address(x) for x in text.split("-"))
        assert int(hi) - int(lo) < 1024, "address range too large to expand"
        addrs = [str(ipaddress.ip_address(int(lo) + i)) for i in range(int(hi) - int(lo) + 1)]
    else:
        addrs = [text]
    return [a + (f" timeout {timeout}" if timeout else "") for a in addrs]


def to_nft(commands: list[Command]) -> str:
    """One nftables ruleset for the script's ``/ip`` and ``/ipv6`` filter rules and address lists."""
    out: list[str] = []
    for fam, v6 in (("ip", False), ("ip6", True)):
        menu = "/ipv6" if v6 else "/ip"
        rules: list[str] = []
        sets: dict[str, str] = {}
        elements: dict[str, list[str]] = {}
        for c in commands:
            assert c.verb == "add", "only add commands are translated"
            if c.menu == f"{menu} firewall filter":
                rule = _rule(c.attrs, v6, sets)
                if rule:
                    rules.append(rule)
            elif c.menu == f"{menu} firewall address-list":
                name = _set_name(c.attrs["list"])
                sets.setdefault(name, "")
                elements.setdefault(name, []).extend(_elements(c.attrs))
        if not rules and not sets:
            continue
        kind = "ipv6_addr" if v6 else "ipv4_addr"
        out.append(f"table {fam} ros {{")
        for name in sets:
            elem = f" elements = {{ {', '.join(elements[name])} }};" if name in elements else ""
            out.append(f"  set {name} {{ type {kind}; flags dynamic, timeout;{elem} }}")
        out += ["  chain input {", "    type filter hook input priority filter; policy accept;"]
        out += [f"    {r}" for r in rules]
        out += ["  }", "}"]
    return "\n".join(out) + "\n"


def seed_script(path: Path, stage_timeout: str = "") -> str:
    """The seed's RouterOS commands (its code blocks) as one script; ``stage_timeout`` replaces its 15s.

    The seed's text was extracted from slides: its address-list line shows a line continuation as the two
    characters ``\\n``; that is undone here."""
    blocks = [b for b in re.findall(r"```\n(.*?)\n```", path.read_text(), re.S) if b.startswith("add ")]
    lines = [
        "/ip firewall address-list" if "list=" in b and "chain=" not in b else "/ip firewall filter" for b in blocks
    ]
    text = "\n".join(f"{menu}\n{b.replace(chr(92) + 'n', '')}" for menu, b in zip(lines, blocks, strict=True))
    if stage_timeout:
        text = text.replace("address-list-timeout=15s", f"address-list-timeout={stage_timeout}")
    return text + "\n"
