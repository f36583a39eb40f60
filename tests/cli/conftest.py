"""Fixtures shared by the CLI's end-to-end tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from knockgui.core.model import Service
from knockgui.core.secrets import KeyringSecretStore, RouterSecret
from knockgui.core.sequence import parse_sequence
from knockgui.core.store import Inventory
from tests.conftest import need
from tests.testbed.netns import NamespaceRouter, Stage, knock_ruleset
from tests.testbed.routers import make_router
from tests.testbed.secret_service import SecretService
from tests.testbed.sshd import SSHServer, have_sshd


@pytest.fixture
def office(
    secret_service: SecretService, netns_router: Callable[..., NamespaceRouter], config_dir: Path, tmp_path: Path
) -> Iterator[tuple[NamespaceRouter, SSHServer]]:
    """The seed's rules with a real sshd on port 22, saved as "Office" (by IPv4) and "Wrong" (a wrong
    sequence, by IPv6 in brackets)."""
    need(have_sshd())
    seed_router = netns_router(knock_ruleset([Stage.tcp(1337), Stage.udp(17954)]), ports=(8291,))
    sshd = SSHServer(seed_router, tmp_path / "sshd").start()
    inventory = Inventory.open(config_dir, KeyringSecretStore())
    inventory.add(
        make_router("Office", seed_router.router4, service=Service.SSH, user=sshd.user, timeout_s=3),
        RouterSecret(parse_sequence("1337:tcp 17954:udp")),
    )
    inventory.add(
        make_router("Wrong", "[" + seed_router.router6 + "]", service=Service.SSH, timeout_s=1),
        RouterSecret(parse_sequence("1338:tcp 17954:udp")),
    )
    yield seed_router, sshd
