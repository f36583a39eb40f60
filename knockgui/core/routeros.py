"""The router side of a knock sequence: a RouterOS script that is safe to paste into a live router.

Layout of each ``/ip`` (and ``/ipv6``) ``firewall filter`` section, top to bottom, all ``chain=input``
(the reasoning is in ``docs``-style comments below and in the script's own header):

1. ``accept connection-state=established,related``: above every drop, so pasting (even ``drop=all``)
   never cuts off the session it is pasted in, and replies to the router's own traffic still arrive.
2. with the guard: ``drop src-address-list=PREFIX-block``: a source that knocked wrong is ignored.
3. the stages, LAST FIRST: step N (needs ``PREFIX-stage{N-1}``, adds to ``PREFIX-safe``), ..., step 1
   (adds to ``PREFIX-stage1``). RouterOS evaluates the rules of one packet top-down and
   ``add-src-to-address-list`` does not stop it, so in first-to-last order a packet matching step k
   would at once match step k+1 below it when both expect the same packet (``1337 1337 17954:udp``
   opened with two knocks). Last-first, step k+1 is checked before step k has added the source: one
   packet advances at most one stage.
4. with the guard, for each stage list: a source in it that sends a TCP SYN or a UDP datagram to a port
   that is neither a knock port (of that protocol) nor a management port goes on ``PREFIX-block`` for a
   short time, so a port sweep cannot walk through the stages.
5. ``accept`` the management ports from ``PREFIX-safe``; then ``drop`` the management ports (or, with
   ``drop="all"``, all other input, as the seed does; on IPv6 ICMPv6 and the DHCPv6 client are kept).

Before the filter rules, ``/ip firewall address-list`` puts the technician's own address (as the router
sees it) on ``PREFIX-safe``, or shows that line commented out, to be filled in. Every rule and entry has
a comment starting with ``PREFIX:``; :func:`removal_script` removes exactly those, and the dynamic entries
of the script's own lists.

Matches: TCP ``protocol=tcp dst-port=P tcp-flags=syn,!ack``; UDP ``protocol=udp dst-port=P`` (plus
``content=`` for a payload); ICMP ``protocol=icmp icmp-options=8:0 packet-size=N`` (N = whole IPv4
packet), IPv6 ``protocol=icmpv6 icmp-options=128:0 packet-size=N+20``.

Every value that enters the script is validated (durations, names, ports, addresses) or quoted
(:func:`quote`): a line break or a ``$`` can never reach the router as a command. The script holds the
knock sequence: it is a secret like the sequence itself.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from knockgui import __version__
from knockgui.core.errors import InputError
from knockgui.core.model import Router
from knockgui.core.routeros_values import (
    PLACE_BEFORE_MAX,
    check_prefix,
    duration_seconds,
    format_duration,
    quote,
    quote_raw,
)
from knockgui.core.sequence import Protocol, Sequence, Step

__all__ = [
    "ScriptOptions",
    "delay_warnings",
    "management_ports",
    "quote",
    "quote_raw",
    "removal_script",
    "routeros_script",
    "script_warnings",
]

FAMILIES = ("auto", "ipv4", "ipv6", "both")


@dataclass(frozen=True)
class ScriptOptions:
    list_prefix: str = "knockgui"  # address lists PREFIX-stage1..N-1, PREFIX-safe, PREFIX-block; comments "PREFIX: "
    stage_timeout: str = "15s"  # how long each intermediate stage waits for the next knock
    final_timeout: str = ""  # how long a knocked address may connect ("": the router's final_timeout_s)
    drop: str = "management"  # "management": drop the management port(s) for others; "all": all other input
    family: str = "auto"  # "auto" (IPv6 rules for an IPv6 host, else IPv4), "ipv4", "ipv6", "both"
    my_address: str = ""  # the technician's address as the router sees it: put on the safe list first
    guard: bool = False  # a wrong port while in a stage list puts the source on PREFIX-block
    guard_timeout: str = "1m"  # how long a wrong knocker stays blocked
    place_before: int | None = None  # rule number (from /ip firewall filter print) the rules go before

    def validate(self) -> None:
        check_prefix(self.list_prefix)
        for what, value in (
            ("stage timeout", self.stage_timeout),
            ("final timeout", self.final_timeout or "3h"),
            ("guard timeout", self.guard_timeout),
        ):
            duration_seconds(value, what)
        if self.drop not in ("management", "all"):
            raise InputError('The drop mode must be "management" or "all".')
        if self.family not in FAMILIES:
            raise InputError('The address family must be "auto", "ipv4", "ipv6" or "both".')
        if self.place_before is not None and not (
            type(self.place_before) is int and 0 <= self.place_before <= PLACE_BEFORE_MAX
        ):
            raise InputError(f"The place-before rule number must be 0-{PLACE_BEFORE_MAX}.")
        if self.my_address:
            own_network(self.my_address)


def own_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """The technician's address (or network) for the safe list, strictly parsed (no zone, no host bits)."""
    try:
        if len(text) > 64 or not text.isascii() or "%" in text:
            raise ValueError
        return ipaddress.ip_network(text.strip(), strict=True)
    except ValueError:
        raise InputError(
            "Your own address must be an IP address (or a network such as 192.0.2.0/24) as the router sees it."
        ) from None


def management_ports(router: Router) -> list[int]:
    """The TCP port(s) to accept after the knock: every service's port."""
    return list(router.management_ports)


def _ports(router: Router, ports: Iterable[int] | None) -> list[int]:
    chosen = sorted(set(management_ports(router) if ports is None else ports))
    if not chosen or any(type(p) is not int or not 1 <= p <= 65535 for p in chosen):
        raise InputError("The management ports must be 1-65535 (at least one).")
    return chosen


def families(router: Router, opts: ScriptOptions) -> list[str]:
    """``["ip"]``, ``["ipv6"]`` or both: the RouterOS menus the script writes rules in."""
    if opts.family == "ipv4":
        return ["ip"]
    if opts.family == "ipv6":
        return ["ipv6"]
    if opts.family == "both":
        return ["ip", "ipv6"]
    return ["ipv6"] if _host_version(router.host) == 6 else ["ip"]


def _host_version(host: str) -> int:
    try:
        return ipaddress.ip_address(host.strip().strip("[]").split("%")[0]).version
    except ValueError:
        return 0  # a name


def _match(step: Step, ipv6: bool) -> str:
    if step.protocol is Protocol.TCP:
        return f"protocol=tcp dst-port={step.port} tcp-flags=syn,!ack"
    if step.protocol is Protocol.UDP:
        text = f"protocol=udp dst-port={step.port}"
    elif ipv6:
        text = f"protocol=icmpv6 icmp-options=128:0 packet-size={step.size + 20}"
    else:
        text = f"protocol=icmp icmp-options=8:0 packet-size={step.size}"
    if step.payload:
        text += f" content={quote_raw(step.payload)}"
    return text


def _final(router: Router, opts: ScriptOptions) -> str:
    """The safe list's timeout: the option's, else the router's own ``final_timeout_s`` (what knockgui
    assumes when it decides whether a knocked router is still open)."""
    if opts.final_timeout:
        return format_duration(duration_seconds(opts.final_timeout, "final timeout"))
    return format_duration(duration_seconds(f"{router.final_timeout_s}s", "router's final timeout"))


def _lists(opts: ScriptOptions, n: int) -> list[str]:
    prefix = opts.list_prefix
    block = [f"{prefix}-block"] if opts.guard and n > 1 else []
    return [f"{prefix}-stage{i}" for i in range(1, n)] + [f"{prefix}-safe", *block]


def _rules(router: Router, sequence: Sequence, opts: ScriptOptions, ports: list[int], ipv6: bool) -> list[str]:
    p = opts.list_prefix
    n = len(sequence.steps)
    stage_t = format_duration(duration_seconds(opts.stage_timeout))
    final_t = _final(router, opts)
    label = ", ".join(dict.fromkeys(spec.label for spec in router.services))
    port_list = ",".join(str(x) for x in ports)
    where = "" if opts.place_before is None else f" place-before={opts.place_before}"
    rules = [f"action=accept connection-state=established,related comment={quote(f'{p}: keep established sessions')}"]
    if opts.guard and n > 1:
        rules.append(f"action=drop src-address-list={quote(p + '-block')} comment={quote(f'{p}: drop wrong knockers')}")
    for i in range(n, 0, -1):  # last stage first: one packet advances at most one stage
        last = i == n
        target = f"{p}-safe" if last else f"{p}-stage{i}"
        chain = f" src-address-list={quote(f'{p}-stage{i - 1}')}" if i > 1 else ""
        note = f"{p}: knock {i} of {n}" + (" - OK" if last else "")
        rules.append(
            f"action=add-src-to-address-list address-list={quote(target)} "
            f"address-list-timeout={final_t if last else stage_t} {_match(sequence.steps[i - 1], ipv6)}{chain} "
            f"comment={quote(note)}"
        )
    if opts.guard and n > 1:
        rules += _guard(sequence, opts, ports)
    rules.append(
        f"action=accept protocol=tcp dst-port={port_list} src-address-list={quote(p + '-safe')} "
        f"comment={quote(f'{p}: accept {label} from {p}-safe')}"
    )
    if opts.drop == "all":
        if ipv6:
            rules.append(f"action=accept protocol=icmpv6 comment={quote(f'{p}: keep ICMPv6 (neighbour discovery)')}")
            rules.append(
                "action=accept protocol=udp dst-port=546 src-address=fe80::/10 "
                f"comment={quote(f'{p}: keep the DHCPv6 client')}"
            )
        rules.append(f"action=drop comment={quote(f'{p}: drop everything else')}")
    else:
        rules.append(
            f"action=drop protocol=tcp dst-port={port_list} comment={quote(f'{p}: drop {label} from everyone else')}"
        )
    return [f"add chain=input {rule}{where}" for rule in rules]


def _guard(sequence: Sequence, opts: ScriptOptions, ports: list[int]) -> list[str]:
    p = opts.list_prefix
    guard_t = format_duration(duration_seconds(opts.guard_timeout))
    tcp = sorted({s.port for s in sequence.steps if s.protocol is Protocol.TCP} | set(ports))
    udp = sorted({s.port for s in sequence.steps if s.protocol is Protocol.UDP})
    matches = [("tcp", f"protocol=tcp tcp-flags=syn,!ack dst-port=!{','.join(map(str, tcp))}")]
    matches.append(("udp", "protocol=udp" + (f" dst-port=!{','.join(map(str, udp))}" if udp else "")))
    out = []
    for i in range(1, len(sequence.steps)):
        for proto, match in matches:
            out.append(
                f"action=add-src-to-address-list address-list={quote(p + '-block')} address-list-timeout={guard_t} "
                f"{match} src-address-list={quote(f'{p}-stage{i}')} "
                f"comment={quote(f'{p}: guard: wrong {proto} port after knock {i}')}"
            )
    return out


def _own_address_lines(router: Router, opts: ScriptOptions, menus: list[str]) -> list[str]:
    p = opts.list_prefix
    final_t = _final(router, opts)
    entry = f"list={quote(p + '-safe')} timeout={final_t} comment={quote(f'{p}: technician')}"
    if opts.my_address:
        net = own_network(opts.my_address)
        menu = "ipv6" if net.version == 6 else "ip"
        if menu not in menus:
            kind = "IPv6" if net.version == 6 else "IPv4"
            raise InputError(f"Your own address is {kind} but the script has no {kind} rules; choose its family too.")
        address = str(net.network_address) if net.num_addresses == 1 else str(net)
        return [f"/{menu} firewall address-list", f"add address={address} {entry}"]
    menu = menus[0]
    sample = "2001:db8::10" if menu == "ipv6" else "192.0.2.10"
    return [
        "# >>> FILL IN, THEN REMOVE THE '#' OF THE NEXT LINE: your own address as the router sees it",
        "# >>> (IP > Firewall > Connections, or /user active print), so you can always come back in:",
        f"# /{menu} firewall address-list add address={sample} {entry}",
    ]


def removal_script(router: Router, sequence: Sequence, options: ScriptOptions | None = None) -> str:
    """RouterOS commands that remove exactly what :func:`routeros_script` adds (by comment and list name)."""
    opts = options or ScriptOptions()
    opts.validate()
    lines = []
    for menu in families(router, opts):
        comments = sorted({_comment_of(rule) for rule in _rules(router, sequence, opts, [1], menu == "ipv6")})
        lines.append(f"/{menu} firewall filter")
        lines += [f"remove [find where comment={c}]" for c in comments]
        lines.append(f"/{menu} firewall address-list")
        lines += [f"remove [find where list={quote(name)}]" for name in _lists(opts, len(sequence.steps))]
    return "\n".join(lines) + "\n"


def _comment_of(rule: str) -> str:
    return rule[rule.index(" comment=") + 9 :].split(" place-before=")[0]


def routeros_script(
    router: Router, sequence: Sequence, options: ScriptOptions | None = None, *, ports: Iterable[int] | None = None
) -> str:
    """RouterOS commands implementing ``sequence`` for ``router`` (a secret: it holds the sequence).

    ``ports``: the management ports to accept after the knock and drop for everyone else (default: the
    router's)."""
    opts = options or ScriptOptions()
    opts.validate()
    chosen = _ports(router, ports)
    menus = families(router, opts)
    if opts.place_before is not None and len(menus) > 1:
        raise InputError(
            "A place-before rule number belongs to one filter list: generate the IPv4 and the IPv6 script "
            "separately (family ipv4, then ipv6), each with the number from its own print."
        )
    stage_t = format_duration(duration_seconds(opts.stage_timeout))
    final_t = _final(router, opts)
    name = quote(router.name)[1:-1]
    port_text = ", ".join(str(x) for x in chosen)
    where = "/ipv6" if menus == ["ipv6"] else "/ip"
    head = [
        f"# knockgui {__version__}: port knocking for {name}: {sequence.describe()}, management port(s) tcp {port_text}.",
        "# This script contains the knock sequence: keep it as secret as the sequence itself.",
        "#",
        "# SAFE MODE FIRST: press Ctrl+X in the terminal (Winbox/WebFig: the Safe Mode button) BEFORE pasting.",
        "# If your session drops, RouterOS then undoes everything below. Paste, knock and connect from a",
        "# second window, and only then press Ctrl+X again to keep the changes.",
        "#",
        "# RULE ORDER MATTERS: RouterOS checks chain=input from the top and the first accept or drop wins.",
        "# These rules must come before any rule that accepts or drops the knock packets or the management",
        '# port (for example the default "defconf: drop all not coming from LAN"), and in the order given.',
    ]
    if opts.place_before is None:
        head += [
            "# As written they are added at the END of the filter list. To place them: run",
            f"# {where} firewall filter print, note the number N of the first rule they must precede, and",
            "# generate again with place-before N (the same N on every line: RouterOS keeps the numbers",
            "# of the last print until the next print), or move them up in IP > Firewall > Filter Rules.",
        ]
    else:
        head += [
            f"# Each line is placed before rule {opts.place_before} of your LAST {where} firewall filter print:",
            "# print again right before pasting, and check that number is still the rule they must precede.",
        ]
    head += [
        f"# Each stage waits {stage_t} for the next knock; a knocked address may connect for {final_t}.",
        "# Stages are checked last first, so one packet advances at most one stage.",
    ]
    if opts.guard and len(sequence.steps) > 1:
        guard_t = format_duration(duration_seconds(opts.guard_timeout))
        head.append(f"# Guard: a wrong port during the knock blocks that address for {guard_t}.")
    if opts.drop == "all":
        head.append(
            "# drop=all: the last rule drops ALL other input, as in the seed recipe; check you keep LAN access."
        )
    head.append("# The commands that remove everything this script adds are at its end.")
    body = _own_address_lines(router, opts, menus)
    for menu in menus:
        if menu == "ipv6" and len(menus) > 1:
            body.append("# IPv6: the same rules for IPv6 address lists (ICMPv6 packet-size = IPv4 size + 20).")
        body += [f"/{menu} firewall filter", *_rules(router, sequence, opts, chosen, menu == "ipv6")]
    tail = ["#", "# To remove everything this script added, paste these lines without their '#':"]
    tail += [f"#   {line}" for line in removal_script(router, sequence, opts).splitlines()]
    return "\n".join(head + body + tail) + "\n"


def script_warnings(
    router: Router, sequence: Sequence, options: ScriptOptions | None = None, *, default_delay_ms: int = 0
) -> list[str]:
    """Sentences about a script that would not work as the user expects (empty when all is well).

    The delays are the ones a knock would use: the step's own, else the router's, else the sequence's,
    else ``default_delay_ms`` (the settings')."""
    opts = options or ScriptOptions()
    opts.validate()
    warnings = delay_warnings(router, sequence, opts.stage_timeout, default_delay_ms=default_delay_ms)
    if opts.family == "auto" and _host_version(router.host) == 0:
        warnings.append(
            "The host is a name, so the script has IPv4 rules only; if the router also has an IPv6 address, "
            "ask for both families, or the router stays open over IPv6."
        )
    return warnings


def delay_warnings(
    router: Router, sequence: Sequence, stage_timeout: str = "15s", *, default_delay_ms: int = 0
) -> list[str]:
    """A sentence for each wait between two steps that is not shorter than the stage timeout (such a
    sequence can never open). Step numbers only: never a port, size or payload."""
    warnings = []
    stage_s = duration_seconds(stage_timeout, "stage timeout")
    base = router.delay_ms if router.delay_ms is not None else (sequence.delay_ms or default_delay_ms)
    for i, step in enumerate(sequence.steps[:-1], start=1):
        wait = base if step.delay_ms is None else step.delay_ms
        if wait >= stage_s * 1000:
            warnings.append(
                f"The wait after knock step {i} ({wait / 1000:g} s) is not shorter than the stage timeout "
                f"({format_duration(stage_s)}): the router forgets step {i} before step {i + 1} arrives, so this "
                "sequence can never open; shorten the wait or raise the stage timeout."
            )
    return warnings
