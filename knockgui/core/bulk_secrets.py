"""Reading many routers' secrets at once (a whole-group knock), without one keyring round trip each.

Through ``keyring``, every read from a Secret Service (gnome-keyring, KWallet's Secret Service) opens a
new D-Bus connection and a new encrypted session (a 1024-bit Diffie-Hellman exchange in Python): 25 to
50 ms a router here, 25 to 50 s for 1,000 routers, most of it CPU under the GIL, so parallel reads do
not help. :func:`read_secrets` reads all of knockgui's entries over one connection and one session
instead: one search, the entries' attributes in pipelined batches, one GetSecrets call. Any other backend (Windows, macOS, a test store) is read one entry at a
time through the store, as before. Either way only the routers asked for are kept; a router without
an entry maps to None, a damaged entry raises SecretStoreError when that router is used, not before.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import closing
from typing import Any

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


PIPELINE = 64  # D-Bus requests sent before their replies are read


def _pipelined(connection: Any, messages: list[Any]) -> list[Any]:
    """Send ``messages`` on a jeepney blocking connection in batches, without waiting for each reply
    (one round trip per batch, not per message); the bodies of the replies in order."""
    from jeepney import MessageType
    from jeepney.low_level import HeaderFields
    from jeepney.wrappers import DBusErrorResponse

    bodies: list[Any] = []
    for start in range(0, len(messages), PIPELINE):
        serials = []
        for message in messages[start : start + PIPELINE]:
            serial = next(connection.outgoing_serial)
            connection.send(message, serial=serial)
            serials.append(serial)
        replies: dict[int, Any] = {}
        while len(replies) < len(serials):
            reply = connection.receive(timeout=30)
            answered = reply.header.fields.get(HeaderFields.reply_serial)
            if answered in serials:
                replies[answered] = reply
        for serial in serials:
            reply = replies[serial]
            if reply.header.message_type == MessageType.error:
                raise DBusErrorResponse(reply)
            bodies.append(reply.body)
    return bodies


def _decrypt(session: Any, secret: Any) -> bytes:
    """A secret as secretstorage's Item.get_secret returns it (AES-128-CBC with the session's key)."""
    if not session.encrypted:
        return bytes(secret[2])
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    decryptor = Cipher(algorithms.AES(session.aes_key), modes.CBC(bytes(secret[1]))).decryptor()
    padded = decryptor.update(bytes(secret[2])) + decryptor.finalize()
    return padded[: -padded[-1]]


def _secret_service_entries(store: KeyringSecretStore, wanted: set[str]) -> dict[str, Entry] | None:
    """The entries over one connection and one session: one search, the items' attributes pipelined,
    one GetSecrets for all of them. None when the backend is no plain SecretService keyring."""
    backend = store.backend
    kind = f"{type(backend).__module__}.{type(backend).__qualname__}"
    if kind != SECRET_SERVICE:
        return None
    from jeepney import DBusAddress, new_method_call
    from secretstorage.util import BUS_NAME, SERVICE_IFACE, open_session

    label = backend_name(backend)
    try:
        collection = backend.get_preferred_collection()  # type: ignore[attr-defined]
        scheme = backend.schemes[backend.scheme]  # type: ignore[attr-defined]
        query = backend._query(SERVICE_NAME, None)  # type: ignore[attr-defined]
        connection = collection.connection
        with closing(connection):
            search = new_method_call(
                DBusAddress(collection.collection_path, BUS_NAME, "org.freedesktop.Secret.Collection"),
                "SearchItems",
                "a{ss}",
                (query,),
            )
            ((paths,),) = _pipelined(connection, [search])  # paths only (secretstorage's Items ask the daemon more)
            gets = [
                new_method_call(
                    DBusAddress(path, BUS_NAME, "org.freedesktop.DBus.Properties"),
                    "Get",
                    "ss",
                    ("org.freedesktop.Secret.Item", "Attributes"),
                )
                for path in paths
            ]
            names: dict[str, str] = {}
            for path, (variant,) in zip(paths, _pipelined(connection, gets), strict=True):
                name = dict(variant[1]).get(scheme["username"], "")
                if name in wanted and name not in names.values():
                    names[path] = name
            if not names:
                return {}
            session = open_session(connection)
            call = new_method_call(
                DBusAddress("/org/freedesktop/secrets", BUS_NAME, SERVICE_IFACE),
                "GetSecrets",
                "aoo",
                (list(names), session.object_path),
            )
            ((secrets,),) = _pipelined(connection, [call])
            found = {}
            for path, secret in secrets.items():
                if path in names:
                    found[names[path]] = Entry(_decrypt(session, secret).decode("utf-8"))
        if len(found) < len(names):  # an item still locked on its own: read those one by one
            for name in names.values():
                if name not in found:
                    text = backend.get_password(SERVICE_NAME, name)
                    if text is not None:
                        found[name] = Entry(text)
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
