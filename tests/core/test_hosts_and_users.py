"""Hosts and user names that passed the checks but should not have (issue 16 item 9).

IPv6 zone ids such as ``::1%;id`` went through the host check (Python's ipaddress takes any scope
text); ``192.168.33.254:8292`` was refused as "looks like an IPv6 address"; ``add --user=-x`` was saved,
then refused at connect (a client would read it as an option).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from knockgui.core.errors import InputError
from knockgui.core.model import Router
from knockgui.core.validate import check_host, check_router, fast_router_from_dict, router_to_dict


@pytest.mark.parametrize("host", ["::1%;id", "fe80::1%$(reboot)", "fe80::1%", "fe80::1%a/b", "fe80::1%eth0;x"])
def test_an_ipv6_zone_must_be_an_interface_name_or_number(host: str) -> None:
    with pytest.raises(InputError, match="zone after '%'"):
        check_host(host)


@pytest.mark.parametrize("host", ["fe80::1%eth0", "fe80::1%12", "fe80::1%wlp2s0", "::1", "2001:db8::1"])
def test_real_ipv6_addresses_and_zones_still_pass(host: str) -> None:
    assert check_host(host) == host


@pytest.mark.parametrize(
    ("host", "address", "port"),
    [
        ("192.168.33.254:8292", "192.168.33.254", "8292"),
        ("[2001:db8::1]:22", "2001:db8::1", "22"),
        ("gw.lan:80", "gw.lan", "80"),
    ],
)
def test_a_host_with_a_port_says_what_to_type(host: str, address: str, port: str) -> None:
    with pytest.raises(InputError) as caught:
        check_host(host)
    message = caught.value.message
    assert "IPv6" not in message and f"The host {address} has a port ({port})" in message
    assert f"winbox:{port}" in message


def test_a_user_starting_with_a_dash_is_refused_when_saved() -> None:
    with pytest.raises(InputError, match="must not start with '-'"):
        check_router(Router(name="Office", host="10.0.0.1", user="-oProxyCommand=x"))
    stored = router_to_dict(Router(name="Office", host="10.0.0.1", user="admin"))
    stored["user"] = "-x"  # a hand-edited file: the fast loader must not take it either
    with pytest.raises(InputError):
        fast_router_from_dict(stored)


def test_the_cli_refuses_add_user_dash_with_exit_2(config_dir: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "knockgui.cli",
            "add",
            "Office",
            "--host",
            "10.0.0.1",
            "--sequence",
            "1:tcp",
            "--user=-x",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and "must not start with '-'" in proc.stderr, proc.stderr
