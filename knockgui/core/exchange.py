"""Export and import of the inventory.

* Without secrets: a JSON file (``format: knockgui-routers``) of the non-secret fields.
* With secrets: an encrypted file for handing to a colleague. A JSON envelope
  ``{"format": "knockgui-encrypted", "version": 1, "kdf": {"name": "scrypt", "n", "r", "p", "salt"},
  "cipher": {"name": "AES-256-GCM", "nonce"}, "ciphertext"}`` (binary fields base64). The key comes
  from the passphrase by scrypt; AES-256-GCM authenticates the ciphertext and, as associated data,
  the header (format, version, KDF parameters, salt, nonce), so no part can be changed unnoticed.
  Inside is the same JSON as the plain export plus each router's sequence and password.

An export with secrets cannot include a sequence that the keyring does not hold: such routers are
exported without one, and :func:`export_file`'s :class:`ExportReport` names them so the user is told.

Import reads and checks the whole file first (a wrong passphrase or a damaged file changes nothing),
then merges by name (ignoring case): new names are added, changed routers updated (keeping their id,
so their keyring entry), identical ones skipped.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knockgui.core.atomic import atomic_write
from knockgui.core.errors import InputError, KnockguiError
from knockgui.core.model import Router
from knockgui.core.readfile import UnreadableFile, read_regular
from knockgui.core.secrets import RouterSecret
from knockgui.core.sequence import parse_sequence
from knockgui.core.store import Inventory
from knockgui.core.validate import router_from_dict, router_to_dict

PLAIN_FORMAT = "knockgui-routers"
ENCRYPTED_FORMAT = "knockgui-encrypted"
VERSION = 1
SCRYPT_N = 2**17  # 128 MiB with r=8: about 0.4 s here
SCRYPT_R = 8
SCRYPT_P = 1
MIN_PASSPHRASE = 8
MAX_FILE_BYTES = 16 * 1024 * 1024  # an export of 5,000 routers is about 2 MB
# The work a file may ask of scrypt: at most 128 MiB of memory (128 * n * r bytes) and twice the time of
# this program's own exports (n * r * p), so a crafted header cannot cost 2 GiB and 18 s before
# "wrong passphrase". This program exports with n=2^17, r=8, p=1.
MAX_SCRYPT_MEMORY = 128 * 1024 * 1024
MAX_SCRYPT_WORK = 2 * SCRYPT_N * SCRYPT_R * SCRYPT_P


@dataclass(frozen=True)
class ImportItem:
    router: Router  # a fresh id; the merge keeps the id of an existing router with the same name
    secret: RouterSecret | None

    def __repr__(self) -> str:
        return f"ImportItem({self.router.name!r}, secret={'yes' if self.secret else 'no'})"


@dataclass(frozen=True)
class ImportReport:
    added: tuple[str, ...]
    updated: tuple[str, ...]
    skipped: tuple[str, ...]

    @property
    def message(self) -> str:
        return f"{len(self.added)} added, {len(self.updated)} updated, {len(self.skipped)} skipped (unchanged)."


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote: ``without_sequence`` names the routers exported with secrets but without a
    sequence (the keyring had no entry for them)."""

    count: int
    path: Path
    encrypted: bool
    without_sequence: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        kind = "encrypted, with secrets" if self.encrypted else "without secrets"
        return f"Exported {self.count} routers to {self.path} ({kind})."

    @property
    def warning(self) -> str | None:
        """One sentence naming the routers exported without a sequence, or None."""
        if not self.without_sequence:
            return None
        n = len(self.without_sequence)
        names = ", ".join(self.without_sequence)
        which = "router was" if n == 1 else "routers were"
        return (
            f"{n} {which} exported without a sequence because the keyring holds none for them ({names}): "
            "set their sequence (Edit) and export again if the receiver needs it."
        )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


def _damaged(detail: str) -> InputError:
    return InputError(f"The import file is damaged or not a knockgui export ({detail}); nothing was changed.")


# ----- export -----


def _document(inventory: Inventory, with_secrets: bool, missing: list[str] | None = None) -> dict[str, Any]:
    """The export document; with secrets, the names of routers without a keyring entry go to ``missing``."""
    entries = []
    for router in inventory.routers:
        entry = router_to_dict(router, with_id=False)
        for flag in ("needs_sequence", "command_unconfirmed"):  # the receiver's own state, set by its import
            entry.pop(flag, None)
        if with_secrets:
            secret = inventory.secrets.get(router.id)
            if secret is not None and secret.sequence is not None:
                from knockgui.core.sequence import format_sequence

                entry["sequence"] = format_sequence(secret.sequence)
                entry["sequence_delay_ms"] = secret.sequence.delay_ms
            elif missing is not None:
                missing.append(router.name)
            if secret is not None and secret.password:
                entry["password"] = secret.password
            if secret is not None and secret.login:
                entry["login"] = secret.login
        entries.append(entry)
    return {"format": PLAIN_FORMAT, "version": VERSION, "secrets": with_secrets, "routers": entries}


def export_plain(inventory: Inventory) -> bytes:
    """The routers without secrets, as JSON (reads no secret)."""
    return (json.dumps(_document(inventory, False), indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def _aad(header: dict[str, Any]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")


def encrypt(plaintext: bytes, passphrase: str, *, n: int = SCRYPT_N) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if len(passphrase) < MIN_PASSPHRASE:
        raise InputError(f"The passphrase must be at least {MIN_PASSPHRASE} characters long.")
    salt, nonce = os.urandom(16), os.urandom(12)
    header: dict[str, Any] = {
        "format": ENCRYPTED_FORMAT,
        "version": VERSION,
        "kdf": {"name": "scrypt", "n": n, "r": SCRYPT_R, "p": SCRYPT_P, "salt": _b64(salt)},
        "cipher": {"name": "AES-256-GCM", "nonce": _b64(nonce)},
    }
    key = _derive(passphrase, salt, n, SCRYPT_R, SCRYPT_P)
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, _aad(header))
    return (json.dumps({**header, "ciphertext": _b64(ciphertext)}, indent=1) + "\n").encode("ascii")


def export_encrypted(inventory: Inventory, passphrase: str, missing: list[str] | None = None) -> bytes:
    """The routers with their secrets (read from the keyring now), encrypted with ``passphrase``; the
    names of routers that have no keyring entry (exported without a sequence) are added to ``missing``."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise InputError(f"The passphrase must be at least {MIN_PASSPHRASE} characters long.")
    plaintext = json.dumps(_document(inventory, True, missing), ensure_ascii=False).encode("utf-8")
    return encrypt(plaintext, passphrase)


def export_file(inventory: Inventory, path: Path, passphrase: str | None = None) -> ExportReport:
    """Write an export file (encrypted, with secrets, when a passphrase is given) and report on it."""
    missing: list[str] = []
    data = export_plain(inventory) if passphrase is None else export_encrypted(inventory, passphrase, missing)
    atomic_write(Path(path), data)
    return ExportReport(len(inventory.routers), Path(path), passphrase is not None, tuple(missing))


def write_export(inventory: Inventory, path: Path, passphrase: str | None = None) -> int:
    """Write an export file (encrypted when a passphrase is given); returns the number of routers
    (:func:`export_file` also names the routers exported without a sequence)."""
    return export_file(inventory, path, passphrase).count


# ----- import -----


def is_encrypted(data: bytes) -> bool:
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    return isinstance(doc, dict) and doc.get("format") == ENCRYPTED_FORMAT


def decrypt(doc: dict[str, Any], passphrase: str) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if doc.get("version") != VERSION:
        raise _damaged("unknown version")
    try:
        kdf, cipher = doc["kdf"], doc["cipher"]
        n, r, p = kdf["n"], kdf["r"], kdf["p"]
        if kdf["name"] != "scrypt" or cipher["name"] != "AES-256-GCM":
            raise ValueError
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (n, r, p)):
            raise ValueError
        if not (2**14 <= n <= 2**20 and n & (n - 1) == 0 and 1 <= r <= 16 and 1 <= p <= 4):
            raise ValueError
        too_costly = 128 * n * r > MAX_SCRYPT_MEMORY or n * r * p > MAX_SCRYPT_WORK
        salt, nonce, ciphertext = _unb64(kdf["salt"]), _unb64(cipher["nonce"]), _unb64(doc["ciphertext"])
        if not 16 <= len(salt) <= 64 or len(nonce) != 12:
            raise ValueError
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise _damaged("its encryption header is wrong") from None
    if too_costly:
        raise _damaged(
            "its encryption settings ask for more memory or time than knockgui gives an import "
            f"(at most {MAX_SCRYPT_MEMORY // (1024 * 1024)} MiB)"
        )
    header = {k: v for k, v in doc.items() if k != "ciphertext"}
    key = _derive(passphrase, salt, n, r, p)
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, _aad(header))
    except InvalidTag:
        raise InputError(
            "The passphrase is wrong or the file was changed after export; nothing was changed, try again."
        ) from None


def _item(entry: object) -> ImportItem:
    if not isinstance(entry, dict):
        raise _damaged("a router entry is not an object")
    router = router_from_dict(entry, new_id=True)
    secret = None
    password, login = entry.get("password"), entry.get("login")
    for value, what in ((password, "password"), (login, "login")):
        if value is not None and not isinstance(value, str):
            raise _damaged(f'the {what} of "{router.name}" is not text')
    sequence = None
    if "sequence" in entry:
        delay = entry.get("sequence_delay_ms", 0)
        if not isinstance(entry["sequence"], str) or not isinstance(delay, int) or isinstance(delay, bool):
            raise _damaged(f'the sequence of "{router.name}" is not text')
        try:
            sequence = parse_sequence(entry["sequence"], delay_ms=delay)
        except KnockguiError:
            raise _damaged(f'the knock sequence of "{router.name}" is invalid') from None
    if sequence is not None or password or login:
        secret = RouterSecret(sequence, password or None, login or None)
        secret.to_entry()  # refuse now what the keyring would refuse later
    return ImportItem(router, secret)


def read_import(data: bytes, passphrase: str | None = None) -> list[ImportItem]:
    """Parse and check a whole export file (plain or encrypted). Nothing is changed anywhere."""
    if len(data) > MAX_FILE_BYTES:
        raise _damaged(f"it is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _damaged("it is not valid JSON") from None
    if isinstance(doc, dict) and doc.get("format") == ENCRYPTED_FORMAT:
        if passphrase is None:
            raise InputError("This export file is encrypted; give its passphrase.")
        try:
            doc = json.loads(decrypt(doc, passphrase).decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise _damaged("its decrypted content is not valid JSON") from None
    if not isinstance(doc, dict) or doc.get("format") != PLAIN_FORMAT or not isinstance(doc.get("routers"), list):
        raise _damaged("it has no knockgui router list")
    if doc.get("version") != VERSION:
        raise _damaged("unknown version")
    items: list[ImportItem] = []
    names: set[str] = set()
    for entry in doc["routers"]:
        try:
            item = _item(entry)
        except InputError as exc:
            if "nothing was changed" in exc.message:
                raise
            raise _damaged(exc.message.rstrip(".")) from None
        key = item.router.name.casefold()
        if key in names:
            raise _damaged(f'the name "{item.router.name}" appears twice')
        names.add(key)
        items.append(item)
    return items


def merge(inventory: Inventory, items: list[ImportItem]) -> ImportReport:
    """Merge checked items through the import plan (:mod:`knockgui.core.importers.plan`): new names are
    added, changed routers updated (keeping their id), identical ones skipped; an item that would change
    an existing router's host, port, service, custom command or pass_password is skipped, never applied."""
    from knockgui.core.importers import Source
    from knockgui.core.importers.plan import Action, apply, build_plan

    plan = build_plan(inventory, Source(inventory.path, "knockgui", items=tuple(items)))
    apply(inventory, plan)

    def names(action: Action) -> tuple[str, ...]:
        return tuple(e.router.name if e.router is not None else e.label for e in plan.of(action))

    return ImportReport(names(Action.ADD), names(Action.MERGE), names(Action.SKIP))


def read_file(path: Path | str) -> bytes:
    """An import file's bytes: a regular file of at most MAX_FILE_BYTES (a FIFO or /dev/zero is refused)."""
    try:
        return read_regular(Path(path), MAX_FILE_BYTES)
    except UnreadableFile as exc:
        raise InputError(f"Could not import {path}: it {exc.reason}; choose a knockgui export file.") from None
    except OSError as exc:
        raise InputError(f"Could not read {path} ({exc.strerror or exc}); check the file name.") from None


def import_file(inventory: Inventory, path: Path, passphrase: str | None = None) -> ImportReport:
    data = read_file(path)
    return merge(inventory, read_import(data, passphrase))
