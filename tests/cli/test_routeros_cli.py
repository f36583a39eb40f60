"""`knockgui-cli routeros`: options, warnings on stderr, bad values refused with a sentence (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from knockgui.cli import main
from knockgui.core.secrets import MemorySecretStore
from tests.testbed.ros2nft import parse_script


@pytest.fixture
def office(config_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    store = MemorySecretStore()
    monkeypatch.setattr("knockgui.cli.inventory.KeyringSecretStore", lambda: store)
    argv = ["--config-dir", str(config_dir), "add", "office", "--host", "192.0.2.7", "--sequence"]
    assert main([*argv, "1337:tcp wait:20000 17954:udp"]) == 0
    capsys.readouterr()
    return config_dir


def run(capsys: pytest.CaptureFixture[str], config_dir: Path, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(["--config-dir", str(config_dir), "routeros", "office", *argv])
    except SystemExit as exc:  # a usage error (argparse)
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--final-timeout", "3h\n"], "final timeout must be a RouterOS duration"),
        (["--stage-timeout", "15s;/system reboot"], "stage timeout"),
        (["--guard-timeout", "0s"], "guard timeout"),
        (["--list-prefix", "a b"], "prefix"),
        (["--my-address", "192.0.2.1\n/system reboot"], "own address"),
        (["--my-address", "2001:db8::9"], "IPv6 but the script has no IPv6 rules"),
        (["--place-before", "١٢"], "not a rule number"),
        (["--place-before", "9" * 5000], "not a rule number"),
        (["--ipv6", "--family", "ipv4"], "--ipv6 means both"),
        (["--ipv6", "--place-before", "3"], "generate the IPv4 and the IPv6 script separately"),
    ],
)
def test_bad_values_exit_2_with_a_sentence_and_no_script(
    office: Path, capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    code, out, err = run(capsys, office, *argv)
    assert code == 2 and out == "" and words in err and "Traceback" not in err


def test_options_reach_the_script_and_warnings_go_to_stderr(office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, office, "--my-address", "198.51.100.7", "--guard", "--place-before", "3")
    assert code == 0
    assert err.startswith("knockgui-cli: warning: The wait after knock step 1 (20 s)") and "1337" not in err
    commands = parse_script(out)
    assert commands[0].attrs["address"] == b"198.51.100.7"
    assert {c.menu for c in commands} == {"/ip firewall address-list", "/ip firewall filter"}
    assert all(c.attrs["place-before"] == b"3" for c in commands if c.menu.endswith("filter"))
    assert any(c.attrs.get("address-list") == b"knockgui-block" for c in commands)
    code, removal, _ = run(capsys, office, "--remove", "--guard")
    assert code == 0 and removal.splitlines() == [line[4:] for line in out.splitlines() if line.startswith("#   ")]
    assert {c.verb for c in parse_script(removal)} == {"remove"}


def test_ipv6_gives_both_families_and_family_chooses_one(office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    menus = {c.menu for c in parse_script(run(capsys, office, "--ipv6")[1])}
    assert menus == {"/ip firewall filter", "/ipv6 firewall filter"}
    menus = {c.menu for c in parse_script(run(capsys, office, "--family", "ipv6")[1])}
    assert menus == {"/ipv6 firewall filter"}
