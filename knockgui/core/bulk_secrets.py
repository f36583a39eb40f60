"""Reading many routers' secrets at once (a whole-group knock), without one keyring round trip each.

Through ``keyring``, every read from a Secret Service (gnome-keyring, KWallet's Secret Service) opens a
new D-Bus connection and a new encrypted session (a 1024-bit Diffie-Hellman exchange in Python): 25 to
50 ms a router here, 25 to 50 s for 1,000 routers, most of it CPU under the GIL, so parallel reads do
not help. :func:`read_secrets` reads all of knockgui's entries over one connection and one session
instead (about 1 ms an entry). Any other backend (Windows, macOS, a test store) is read one entry at a
time through the store, as before. Either way only the routers asked for are kept; a router without
an entry maps to None, a damaged entry raises SecretStoreError when that router is used, not before.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import closing

from knockgui.core.errors import SecretStoreError
from knockgui.core.secrets import (
    SERVICE_NAME,
    KeyringSecretStore,
    RouterSecret,
    SecretStore,
    _translate,
    backend_name,
)

SECRET_SERVICE = "keyring.backends.SecretService.Keyring"


class Entry:
    """A router's keyring entry, parsed when first used (a damaged one fails for that router only)."""

    def __init__(self, text: str) -> None:
        self._text = text

    def secret(self) -> RouterSecret:
        return RouterSecret.from_entry(self._text)


def _secret_service_entries(store: KeyringSecretStore, wanted: set[str]) -> dict[str, Entry] | None:
    """The entries over one connection; None when the backend is no plain SecretService keyring."""
    backend = store.backend
    kind = f"{type(backend).__module__}.{type(backend).__qualname__}"
    if kind != SECRET_SERVICE:
        return None
    from secretstorage.util import open_session

    label = backend_name(backend)
    try:
        collection = backend.get_preferred_collection()  # type: ignore[attr-defined]
        scheme = backend.schemes[backend.scheme]  # type: ignore[attr-defined]
        query = backend._query(SERVICE_NAME, None)  # type: ignore[attr-defined]
        found: dict[str, Entry] = {}
        with closing(collection.connection):
            session = open_session(collection.connection)
            for item in collection.search_items(query):
                name = item.get_attributes().get(scheme["username"], "")
                if name not in wanted or name in found:
                    continue
                item.session = session  # one encrypted session for every entry
                if item.is_locked():
                    backend.unlock(item)  # type: ignore[attr-defined]
                found[name] = Entry(item.get_secret().decode("utf-8"))
        return found
    except SecretStoreError:
        raise
    except Exception as exc:
        raise _translate(exc, label) from None


def read_secrets(store: SecretStore, router_ids: Iterable[str]) -> dict[str, Entry | None]:
    """Every asked router id mapped to its entry (None: no entry). SecretStoreError when the keyring
    cannot be used at all."""
    ids = list(dict.fromkeys(router_ids))
    if isinstance(store, KeyringSecretStore):
        store._usable_backend()  # a missing or refused keyring: its sentence now
        entries = _secret_service_entries(store, set(ids))
        if entries is not None:
            return {i: entries.get(i) for i in ids}
    result: dict[str, Entry | None] = {}
    for router_id in ids:
        secret = store.get(router_id)
        result[router_id] = None if secret is None else _Known(secret)
    return result


class _Known(Entry):
    def __init__(self, secret: RouterSecret) -> None:
        self._secret = secret

    def secret(self) -> RouterSecret:
        return self._secret
