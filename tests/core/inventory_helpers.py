"""Helpers for the inventory tests: a SecretStore wrapper that counts calls."""

from __future__ import annotations

from collections import Counter

from knockgui.core.secrets import RouterSecret, SecretStore, SecretStoreStatus
from knockgui.core.sequence import parse_sequence


class CountingSecretStore:
    """Wraps a SecretStore and counts each method call (to prove that listing reads no secret)."""

    def __init__(self, inner: SecretStore) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()

    def get(self, router_id: str) -> RouterSecret | None:
        self.calls["get"] += 1
        return self.inner.get(router_id)

    def set(self, router_id: str, secret: RouterSecret) -> None:
        self.calls["set"] += 1
        self.inner.set(router_id, secret)

    def delete(self, router_id: str) -> None:
        self.calls["delete"] += 1
        self.inner.delete(router_id)

    def status(self) -> SecretStoreStatus:
        self.calls["status"] += 1
        return self.inner.status()


def secret(text: str = "1337:tcp 17954:udp", password: str | None = None) -> RouterSecret:
    return RouterSecret(parse_sequence(text), password)
