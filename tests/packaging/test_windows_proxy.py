"""The Windows ``knockgui-cli.exe proxy`` (the portable zip's, under Wine, in a prefix of its own) as the
proxy command of ssh and plink, against the real sshd inside a knock-protected namespace router.

On Windows a proxy command's stdin and stdout are pipes, which select() refuses (WinError 10038): the
proxy relays them with a thread per direction (knockgui.core.relay.relay_pipe). Wine's sockets are the
host's, so the exe knocks and reaches the namespace router; ssh and plink are the host's.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from knockgui import __version__
from tests.conftest import need
from tests.testbed.netns import NamespaceRouter, Stage, knock_ruleset
from tests.testbed.putty import PlinkClient, have_plink
from tests.testbed.sshd import SSHServer, have_sshd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "build_scripts"))

import windows  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.wine, pytest.mark.timeout(1200)]


@pytest.mark.root
def test_the_windows_cli_is_the_proxy_command_of_ssh_and_plink(
    windows_dist: Path, netns_router: Callable[..., NamespaceRouter], tmp_path: Path
) -> None:
    need(have_sshd())
    need(have_plink())
    with zipfile.ZipFile(windows_dist / f"knockgui-{__version__}-portable.zip") as zf:
        zf.extractall(tmp_path / "unzipped")
    cli = tmp_path / "unzipped" / f"knockgui-{__version__}" / "knockgui-cli.exe"
    prefix = tmp_path / "prefix"  # a clean "machine": its own %APPDATA% and Credential Manager
    router = netns_router(knock_ruleset([Stage.tcp(1337), Stage.udp(17954)]), ports=(8291,))
    sshd = SSHServer(router, tmp_path / "sshd").start()
    add = windows.wine(
        [str(cli), "add", "Office", "--host", router.router4, "--sequence", "1337:tcp 17954:udp", "--service", "ssh"],
        prefix=prefix,
        check=False,
        timeout=300,
    )
    assert add.returncode == 0, add.stdout + add.stderr
    env = windows.wine_env(prefix)
    # A frozen exe's first start under Wine takes seconds, more than the testbed's ConnectTimeout of 5 s
    # (ssh keeps the first value given).
    options = ["-o", "ConnectTimeout=60", *sshd.client_options()]
    target = f"{sshd.user}@{router.router4}"

    def ssh(*command: str, payload: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        proxy = f"ProxyCommand=wine {shlex.quote(str(cli))} proxy %h %p"
        return subprocess.run(
            ["ssh", *options, "-o", proxy, target, *command],
            input=payload,
            stdin=None if payload is not None else subprocess.DEVNULL,
            capture_output=True,
            env=env,
            timeout=180,
        )

    hello = ssh("echo", "hello through Windows")
    assert hello.returncode == 0, hello.stderr
    assert hello.stdout == b"hello through Windows\n"
    assert router.counters()["knock1_4"] == 1 and router.counters()["knock2_4"] == 1
    payload = bytes(range(256)) * 4096  # 1 MiB of every byte value: the pipes are binary, no \r\n or ^Z
    echoed = ssh("cat", payload=payload)
    assert echoed.returncode == 0, echoed.stderr
    assert echoed.stdout == payload

    plink = PlinkClient(sshd, tmp_path / "putty")
    login = subprocess.run(
        plink.argv(router.router4, "echo", "plink too", proxy=f"wine {shlex.quote(str(cli))} proxy %host %port"),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=env,
        timeout=180,
    )
    assert login.returncode == 0, login.stderr
    assert login.stdout == b"plink too\n"
