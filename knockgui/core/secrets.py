"""Where router secrets live: the OS keyring, behind a small interface.

Each router has one small keyring entry under the service name ``knockgui`` whose user name is the
router's id (so renaming a router keeps its secret). The entry is JSON holding the sequence in its
text form, its default delay and an optional password. Windows limits one entry to 2560 bytes of
UTF-16, so an entry larger than that is refused with a sentence.

There is no plaintext fallback: with no usable keyring every secret operation raises
:class:`~knockgui.core.errors.SecretStoreError` naming the fix, and nothing is written anywhere else.
``MemorySecretStore`` exists for tests only.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from knockgui.core.errors import SecretStoreError

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

    from knockgui.core.sequence import Sequence

# knockgui.core.sequence is imported where an entry is written or read: opening the inventory and the
# GUI's first window need no sequence (~1.3 ms of the GUI's start).

SERVICE_NAME = "knockgui"
ENTRY_FORMAT = 1
MAX_ENTRY_BYTES = 2560  # Windows Credential Manager: CRED_MAX_CREDENTIAL_BLOB_SIZE, stored as UTF-16
_STATUS_PROBE = "knockgui-status-probe"

_FRIENDLY = {
    "keyring.backends.SecretService.Keyring": "Secret Service",
    "keyring.backends.libsecret.Keyring": "Secret Service (libsecret)",
    "keyring.backends.kwallet.DBusKeyring": "KWallet",
    "keyring.backends.kwallet.DBusKeyringKWallet4": "KWallet",
    "keyring.backends.Windows.WinVaultKeyring": "Windows Credential Manager",
    "keyring.backends.macOS.Keyring": "macOS Keychain",
    "keyring.backends.chainer.ChainerBackend": "chained keyrings",
    "keyring.backends.fail.Keyring": "none",
    "keyring.backends.null.Keyring": "null (discards secrets)",
}
_NO_BACKEND = (
    "No OS keyring is available to hold knock sequences; install and start a Secret Service "
    "such as gnome-keyring or KWallet (on Windows and macOS the system keyring is used)."
)


@dataclass(frozen=True)
class RouterSecret:
    """A router's secrets: its knock sequence, an optional password and login. The repr is masked.

    ``sequence`` is None for a router imported from another program (Winbox, PuTTY...) whose password
    and login were kept before it has a knock sequence; :attr:`knock_sequence` refuses to knock it.
    ``login`` is the user name that came with a kept password (used when the router names no user).
    """

    sequence: Sequence | None
    password: str | None = None
    login: str | None = None

    def __repr__(self) -> str:
        pw = "set" if self.password else "none"
        steps = self.sequence.describe() if self.sequence is not None else "none yet"
        login = ", login=<set>" if self.login else ""
        return f"RouterSecret(sequence=<{steps}>, password=<{pw}>{login})"

    @property
    def knock_sequence(self) -> Sequence:
        """The sequence; NotFoundError (a sentence) when none is set yet."""
        if self.sequence is None:
            from knockgui.core.errors import NotFoundError

            raise NotFoundError(
                "No knock sequence is set for this router yet (it was imported); set one with Edit or "
                "knockgui-cli set-sequence."
            )
        return self.sequence

    def to_entry(self) -> str:
        """The keyring entry text (secret). SecretStoreError when it would not fit a Windows entry."""
        from knockgui.core.sequence import format_sequence

        data: dict[str, object] = {"v": ENTRY_FORMAT}
        if self.sequence is not None:
            data["sequence"] = format_sequence(self.sequence)
            if self.sequence.delay_ms:
                data["delay_ms"] = self.sequence.delay_ms
        if self.password:
            data["password"] = self.password
        if self.login:
            data["login"] = self.login
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        try:
            size = len(text.encode("utf-16-le"))
        except UnicodeEncodeError:  # a byte that is not text (a password typed on a non-UTF-8 terminal)
            raise SecretStoreError(
                "The password holds a byte that is not valid text (UTF-8), which no keyring can keep; "
                "type it again in a UTF-8 terminal."
            ) from None
        if size > MAX_ENTRY_BYTES:
            raise SecretStoreError(
                f"This router's secret would take {size} bytes in the keyring, more than the {MAX_ENTRY_BYTES} "
                "a Windows keyring entry holds; shorten the payloads or the password."
            )
        return text

    @classmethod
    def from_entry(cls, text: str) -> RouterSecret:
        """Parse a keyring entry. SecretStoreError (without its content) when it is damaged."""
        from knockgui.core.sequence import parse_sequence

        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("v") != ENTRY_FORMAT:
                raise ValueError
            delay = data.get("delay_ms", 0)
            password, login = data.get("password"), data.get("login")
            if not isinstance(delay, int) or not all(v is None or isinstance(v, str) for v in (password, login)):
                raise ValueError
            if "sequence" in data:
                sequence = parse_sequence(str(data["sequence"]), delay_ms=delay)
            elif password or login:
                sequence = None
            else:
                raise ValueError
        except Exception:
            raise SecretStoreError(
                "This router's keyring entry is damaged; edit the router and enter its knock sequence again."
            ) from None
        return cls(sequence, password or None, login or None)


@dataclass(frozen=True)
class SecretStoreStatus:
    backend: str  # e.g. "Secret Service", "Windows Credential Manager", "macOS Keychain", "none"
    usable: bool
    message: str  # one sentence for the user


class SecretStore(Protocol):
    def get(self, router_id: str) -> RouterSecret | None: ...
    def set(self, router_id: str, secret: RouterSecret) -> None: ...
    def delete(self, router_id: str) -> None: ...
    def status(self) -> SecretStoreStatus: ...


def _backend_path(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def backend_name(backend: object) -> str:
    path = _backend_path(backend)
    return _FRIENDLY.get(path, getattr(backend, "name", path))


def _refusal(backend: object) -> str:
    """Why this backend may not hold secrets ('' when it may)."""
    path = _backend_path(backend)
    if path == "keyring.backends.fail.Keyring":
        return _NO_BACKEND
    if path == "keyring.backends.null.Keyring":
        return (
            "The configured keyring backend (null) throws secrets away; remove it from keyringrc.cfg "
            "or PYTHON_KEYRING_BACKEND so the OS keyring is used."
        )
    if path.startswith("keyrings.alt") or "plaintext" in path.lower():
        return (
            "The configured keyring backend stores secrets in a plain file, which knockgui refuses; "
            "configure the OS keyring (Secret Service, Windows Credential Manager or macOS Keychain) instead."
        )
    return ""


def _translate(exc: Exception, backend_label: str) -> SecretStoreError:
    """One sentence naming the fix for a keyring failure (the entry's content never appears)."""
    from keyring import errors

    text = str(exc)
    if isinstance(exc, errors.NoKeyringError):
        return SecretStoreError(_NO_BACKEND)
    if isinstance(exc, errors.KeyringLocked) or "dismissed" in text.lower() or "locked" in text.lower():
        return SecretStoreError(
            f"The keyring ({backend_label}) is locked and could not be unlocked; unlock it (for example by "
            "logging in to the desktop or with your keyring manager) and try again."
        )
    if isinstance(exc, errors.InitError):
        return SecretStoreError(
            f"The keyring ({backend_label}) could not be opened; make sure its service is running "
            "(for example gnome-keyring-daemon or KWallet) and try again."
        )
    if isinstance(exc, errors.PasswordSetError):
        return SecretStoreError(
            f"The keyring ({backend_label}) refused to store the secret; check that it is unlocked and writable."
        )
    if isinstance(exc, errors.PasswordDeleteError):
        return SecretStoreError(
            f"The keyring ({backend_label}) refused to delete the secret; check that it is unlocked."
        )
    return SecretStoreError(
        f"The keyring ({backend_label}) failed ({type(exc).__name__}); check that it is running and unlocked."
    )


def load_backend() -> KeyringBackend:
    """The keyring backend, detected now (honours PYTHON_KEYRING_BACKEND and keyringrc.cfg)."""
    from keyring import core

    try:
        backend: KeyringBackend = core._detect_backend()
    except Exception:
        # A configured backend that cannot load: act as if there were none (never fall back to a file).
        from keyring.backends import fail

        return fail.Keyring()  # type: ignore[no-untyped-call]
    return backend


class KeyringSecretStore:
    """Secrets in the OS keyring through the ``keyring`` library. The backend is found on first use."""

    def __init__(self, backend: KeyringBackend | None = None, service: str = SERVICE_NAME) -> None:
        self._backend = backend
        self._service = service
        self._lock = threading.Lock()

    @property
    def backend(self) -> KeyringBackend:
        with self._lock:
            if self._backend is None:
                self._backend = load_backend()
            return self._backend

    def _usable_backend(self) -> tuple[KeyringBackend, str]:
        backend = self.backend
        refusal = _refusal(backend)
        if refusal:
            raise SecretStoreError(refusal)
        return backend, backend_name(backend)

    def get(self, router_id: str) -> RouterSecret | None:
        backend, label = self._usable_backend()
        try:
            text = backend.get_password(self._service, router_id)
        except Exception as exc:
            raise _translate(exc, label) from None
        return None if text is None else RouterSecret.from_entry(text)

    def set(self, router_id: str, secret: RouterSecret) -> None:
        entry = secret.to_entry()
        backend, label = self._usable_backend()
        try:
            backend.set_password(self._service, router_id, entry)
        except Exception as exc:
            raise _translate(exc, label) from None

    def delete(self, router_id: str) -> None:
        """Delete the router's entry; no error when there is none."""
        from keyring import errors

        backend, label = self._usable_backend()
        try:
            backend.delete_password(self._service, router_id)
        except errors.PasswordDeleteError:
            try:
                still = backend.get_password(self._service, router_id)
            except Exception as exc:
                raise _translate(exc, label) from None
            if still is not None:
                raise SecretStoreError(
                    f"The keyring ({label}) refused to delete the secret; check that it is unlocked."
                ) from None
        except Exception as exc:
            raise _translate(exc, label) from None

    def status(self) -> SecretStoreStatus:
        """Which keyring holds secrets and whether it works now (looks up one probe entry, no router secret)."""
        backend = self.backend
        label = backend_name(backend)
        refusal = _refusal(backend)
        if refusal:
            return SecretStoreStatus(label, False, refusal)
        try:
            backend.get_password(self._service, _STATUS_PROBE)
        except Exception as exc:
            return SecretStoreStatus(label, False, _translate(exc, label).message)
        return SecretStoreStatus(label, True, f"Knock sequences are kept in the {label}.")


class MemorySecretStore:
    """Secrets in memory, for tests only. ``fail`` makes every call raise like a missing keyring."""

    def __init__(self, fail: str = "") -> None:
        self.entries: dict[str, str] = {}
        self.fail = fail

    def _check(self) -> None:
        if self.fail:
            raise SecretStoreError(self.fail)

    def get(self, router_id: str) -> RouterSecret | None:
        self._check()
        text = self.entries.get(router_id)
        return None if text is None else RouterSecret.from_entry(text)

    def set(self, router_id: str, secret: RouterSecret) -> None:
        entry = secret.to_entry()
        self._check()
        self.entries[router_id] = entry

    def delete(self, router_id: str) -> None:
        self._check()
        self.entries.pop(router_id, None)

    def status(self) -> SecretStoreStatus:
        if self.fail:
            return SecretStoreStatus("memory", False, self.fail)
        return SecretStoreStatus("memory", True, "Knock sequences are kept in memory (tests only).")
