"""The router side of a knock sequence: RouterOS firewall commands in the seed's style.

For N steps: each step adds the source address to an address list with a short timeout (stage 1 to
``PREFIX-stage1``, stage k also requires ``src-address-list=PREFIX-stage{k-1}``, so order matters),
the last step adds it to ``PREFIX-safe`` with a long timeout, then one rule accepts the management
port(s) from ``PREFIX-safe`` and one drops them for everyone else (``drop="all"`` drops all other input
instead, exactly like the seed; that also cuts off DNS, DHCP and the rest, so it is opt-in).

Matches: TCP ``protocol=tcp dst-port=P tcp-flags=syn,!ack``; UDP ``protocol=udp dst-port=P`` (plus
``content=`` for a payload); ICMP ``protocol=icmp icmp-options=8:0 packet-size=N`` (N = whole IPv4
packet, 20 + 8 + payload; plus ``content=`` for a payload).

IPv6 (``ipv6=True``) repeats the rules under ``/ipv6 firewall filter`` with ``protocol=icmpv6
icmp-options=128:0 packet-size=N+20`` for ICMP (40-byte IPv6 header instead of 20). The tests
translate both variants rule by rule into nftables and knock a namespace router over IPv4 and IPv6;
no real RouterOS runs here, so RouterOS's own reading of ``packet-size`` for IPv6 is not verified.

The script holds the knock sequence: it is a secret like the sequence itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knockgui import __version__
from knockgui.core.errors import InputError
from knockgui.core.model import Router
from knockgui.core.sequence import Protocol, Sequence, Step

_DURATION = re.compile(r"^(\d+[wdhms])+$|^\d{1,2}:\d{2}:\d{2}$")
_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,40}$")
_PLAIN = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !#%&'()*+,-./:;<=>@[]^_`{|}~")


@dataclass(frozen=True)
class ScriptOptions:
    list_prefix: str = "knockgui"  # address lists PREFIX-stage1..N-1 and PREFIX-safe; comments start with it
    stage_timeout: str = "15s"  # how long each intermediate stage waits for the next knock
    final_timeout: str = "3h"  # how long a knocked address may connect
    drop: str = "management"  # "management": drop the management port(s) for others; "all": drop all other input
    ipv6: bool = False  # also emit /ipv6 firewall filter rules

    def validate(self) -> None:
        if not _PREFIX.match(self.list_prefix):
            raise InputError("The address-list prefix must be 1-41 letters, digits, '-', '_' or '.'.")
        for what, value in (("stage timeout", self.stage_timeout), ("final timeout", self.final_timeout)):
            if not _DURATION.match(value):
                raise InputError(f"The {what} must be a RouterOS duration such as 15s, 3h or 1d12h.")
        if self.drop not in ("management", "all"):
            raise InputError('The drop mode must be "management" or "all".')


def quote(text: str) -> str:
    """A RouterOS double-quoted string; anything unusual becomes a \\XX hex escape (byte-wise, UTF-8)."""
    return quote_raw(text.encode("utf-8"))


def quote_raw(data: bytes) -> str:
    """Bytes as a RouterOS double-quoted string: ``"``, ``\\``, ``$``, ``?`` and non-printables as ``\\XX``."""
    return '"' + "".join(chr(b) if chr(b) in _PLAIN else f"\\{b:02X}" for b in data) + '"'


def management_ports(router: Router) -> list[int]:
    """The TCP port(s) to accept after the knock: every service's port."""
    return list(router.management_ports)


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


def _rules(router: Router, sequence: Sequence, opts: ScriptOptions, ipv6: bool) -> list[str]:
    prefix = opts.list_prefix
    n = len(sequence.steps)
    label = ", ".join(dict.fromkeys(spec.label for spec in router.services))
    ports = ",".join(str(p) for p in management_ports(router))
    lines = []
    for i, step in enumerate(sequence.steps, start=1):
        last = i == n
        target = f"{prefix}-safe" if last else f"{prefix}-stage{i}"
        timeout = opts.final_timeout if last else opts.stage_timeout
        chain = f" src-address-list={quote(f'{prefix}-stage{i - 1}')}" if i > 1 else ""
        note = f"{prefix}: knock {i} of {n}" + (" - OK" if last else "")
        lines.append(
            f"add chain=input action=add-src-to-address-list address-list={quote(target)} "
            f"address-list-timeout={timeout} {_match(step, ipv6)}{chain} comment={quote(note)}"
        )
    lines.append(
        f"add chain=input action=accept protocol=tcp dst-port={ports} src-address-list={quote(prefix + '-safe')} "
        f"comment={quote(f'{prefix}: accept {label} from {prefix}-safe')}"
    )
    if opts.drop == "all":
        lines.append(f"add chain=input action=drop comment={quote(f'{prefix}: drop everything else')}")
    else:
        lines.append(
            f"add chain=input action=drop protocol=tcp dst-port={ports} "
            f"comment={quote(f'{prefix}: drop {label} from everyone else')}"
        )
    return lines


def routeros_script(router: Router, sequence: Sequence, options: ScriptOptions | None = None) -> str:
    """RouterOS commands implementing ``sequence`` for ``router`` (a secret: it holds the sequence)."""
    opts = options or ScriptOptions()
    opts.validate()
    prefix = opts.list_prefix
    ports = ", ".join(str(p) for p in management_ports(router))
    name = quote(router.name)[1:-1]
    head = [
        f"# knockgui {__version__}: port knocking for {name}: {sequence.describe()}, management port(s) tcp {ports}.",
        "# This script contains the knock sequence: keep it as secret as the sequence itself.",
        "# Paste it into a RouterOS terminal (Winbox: New Terminal), or upload it and run /import file-name=NAME.rsc",
        "#",
        "# RULE ORDER MATTERS: RouterOS checks chain=input from the top and the first accept or drop wins.",
        "# These rules must come before any rule that accepts or drops the knock packets or the management",
        '# port (for example the default "defconf: drop all not coming from LAN"), and in the order given.',
        "# Move them up in IP > Firewall > Filter Rules, or add place-before=N to each add line, where N is",
        "# the number (from /ip firewall filter print) of the first rule they must precede, counting up by one",
        "# for each line so that they keep their order.",
        f"# Each stage waits {opts.stage_timeout} for the next knock; a knocked address may connect for {opts.final_timeout}.",
        f'# To remove these rules: /ip firewall filter remove [find where comment~"^{prefix}: "]',
    ]
    if opts.drop == "all":
        head.append(
            "# drop=all: the last rule drops ALL other input, as in the seed recipe; check you keep LAN access."
        )
    body = ["/ip firewall filter", *_rules(router, sequence, opts, ipv6=False)]
    if opts.ipv6:
        body += [
            "# IPv6: the same rules for IPv6 address lists (ICMPv6 packet-size = IPv4 size + 20).",
            "/ipv6 firewall filter",
            *_rules(router, sequence, opts, ipv6=True),
        ]
    return "\n".join(head + body) + "\n"
