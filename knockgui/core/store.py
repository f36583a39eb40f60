"""The router inventory: non-secret fields in ``routers.json`` in the config folder, secrets in the keyring.

* The file has a schema version and is written atomically (see :mod:`knockgui.core.atomic`).
* Opening the inventory and listing or filtering routers read no secret; :meth:`Inventory.secret`
  reads one router's secret from the keyring when it is needed (knock, edit, export with secrets).
* A file that cannot be read, is not JSON, or has an unknown schema is never overwritten: it is moved
  aside as ``routers.json.corrupt-YYYYmmdd-HHMMSS`` and :attr:`Inventory.warning` says so. When only
  some entries are damaged, the file is copied aside, the good entries load, and the warning says so.
* Each change holds a lock file (``.routers.json.lock``) and first re-reads the file if another
  program (the CLI, a second window) changed it, so concurrent changes are not lost.
* Names are unique ignoring case. Secrets are keyed by the router's id, so renaming keeps them.
* A kill (``kill -9``, a power cut) between a keyring write and the file write is harmless: before
  either, the router ids concerned go into ``.routers.json.pending``; ``add`` stores the secret, then
  the file; ``remove`` writes the file, then deletes the secret. So the worst a kill leaves is a secret
  for a router that is not in the file, and the next start (or the next change) finds the pending ids
  and deletes those secrets (a router that is in the file but has no secret is named in the warning).
  Stale ``.routers.json.*.tmp`` files of a killed write are removed then too.

Test hook: when ``KNOCKGUI_PAUSE_BETWEEN_WRITES`` names a file, ``add`` and ``remove`` create that file
between their keyring write and their file write and then wait up to 60 s, so that a test can kill the
process exactly there (``kill -9``) and check what is left. Nothing else reads the variable.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from knockgui.core.atomic import atomic_write, file_lock
from knockgui.core.errors import ConfigError, InputError, KnockguiError, NotFoundError, SecretStoreError
from knockgui.core.model import Router
from knockgui.core.readfile import UnreadableFile, read_regular
from knockgui.core.secrets import RouterSecret, SecretStore
from knockgui.core.validate import check_router, fast_router_from_dict, router_to_dict, upgrade_entry

FILE_NAME = "routers.json"
SCHEMA = 2  # 2: a list of services per router; 1 (one service per router) still loads and is upgraded
MAX_FILE_BYTES = 64 * 1024 * 1024  # 5,000 routers take about 1 MB

_Signature = tuple[int, int, int] | None


def _signature(path: Path) -> _Signature:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _aside_path(path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    return candidate


class _Loaded:
    def __init__(self, routers: list[Router], warning: str | None = None, readonly: str | None = None) -> None:
        self.routers = routers
        self.warning = warning
        self.readonly = readonly


class _Newer(Exception):
    """The file was written by a newer knockgui: leave it alone."""


def _parse(raw: bytes) -> tuple[list[Router], int, str]:
    """Routers from the file's bytes, the number of bad entries, and '' or why the whole file is unusable.
    _Newer when a newer knockgui wrote it."""
    try:
        data = json.loads(raw.decode("utf-8-sig"))  # a BOM, as some Windows editors write it, is no damage
    except (UnicodeDecodeError, ValueError, RecursionError):
        return [], 0, "is not valid JSON"
    if not isinstance(data, dict) or not isinstance(data.get("routers"), list):
        return [], 0, "is not a knockgui router list"
    schema = data.get("schema")
    if isinstance(schema, int) and not isinstance(schema, bool) and SCHEMA < schema < 10**6:
        raise _Newer(str(schema))
    if schema not in (1, SCHEMA):
        return [], 0, "has an unknown schema version"
    upgrade = schema == 1
    routers: list[Router] = []
    names: set[str] = set()
    ids: set[str] = set()
    bad = 0
    for entry in data["routers"]:
        try:
            if not isinstance(entry, dict):
                raise InputError("not an object")
            router = fast_router_from_dict(upgrade_entry(entry) if upgrade else entry)
        except KnockguiError:
            bad += 1
            continue
        key = router.name.casefold()
        if key in names or router.id in ids:
            bad += 1
            continue
        names.add(key)
        ids.add(router.id)
        routers.append(router)
    return routers, bad, ""


def _load(path: Path) -> _Loaded:
    try:
        raw = read_regular(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        return _Loaded([])
    except UnreadableFile as exc:  # a FIFO would hang, /dev/zero would fill the memory
        return _move_aside(path, exc.reason)
    except OSError as exc:
        reason = f"could not be read ({exc.strerror or exc})"
        return _move_aside(path, reason)
    try:
        routers, bad, problem = _parse(raw)
    except _Newer as newer:
        reason = (
            f"The router list {path} was written by a newer knockgui (schema {newer}); this version cannot read "
            "it and changes nothing in it: update knockgui, or use --config-dir for another folder."
        )
        return _Loaded([], reason, readonly=reason)
    if problem:
        return _move_aside(path, problem)
    if bad:
        try:
            aside = _kept_copy(path, raw)  # the same damaged file is kept once, not again at every read
            if aside is None:
                aside = _aside_path(path)
                shutil.copy2(path, aside)
        except OSError:
            return _Loaded(
                routers,
                f"{bad} router entries in {path} are damaged and were left out, and no copy could be kept; "
                "changes are disabled until the file is repaired or removed.",
                readonly=f"{path} has damaged entries and could not be backed up; repair or remove it first.",
            )
        noun = "entry was" if bad == 1 else "entries were"
        return _Loaded(
            routers, f"{bad} damaged router {noun} left out of {path}; the original file is kept as {aside}."
        )
    return _Loaded(routers)


def _kept_copy(path: Path, raw: bytes) -> Path | None:
    """An earlier ``NAME.corrupt-*`` copy with exactly these bytes, if there is one."""
    prefix = f"{path.name}.corrupt-"
    with os.scandir(path.parent) as entries:
        candidates = [Path(e.path) for e in entries if e.name.startswith(prefix) and e.is_file(follow_symlinks=False)]
    for candidate in sorted(candidates):
        with contextlib.suppress(OSError):
            if candidate.stat().st_size == len(raw) and candidate.read_bytes() == raw:
                return candidate
    return None


def _move_aside(path: Path, reason: str) -> _Loaded:
    aside = _aside_path(path)
    try:
        os.replace(path, aside)
    except OSError:
        return _Loaded(
            [],
            f"The router list {path} {reason} and could not be moved aside; no routers are shown and changes "
            "are disabled until you repair or remove it.",
            readonly=f"{path} {reason}; repair or remove it first, knockgui will not overwrite it.",
        )
    return _Loaded([], f"The router list {path} {reason}; it was kept as {aside} and an empty list was started.")


class Inventory:
    """The routers. Create with :meth:`open`. Thread-safe; every change is saved at once."""

    def __init__(self, path: Path, secrets: SecretStore, loaded: _Loaded) -> None:
        self.path = path
        self.secrets = secrets
        self.warning: str | None = loaded.warning
        self._readonly = loaded.readonly
        self._lock = threading.RLock()
        self._set_routers(loaded.routers)
        self._sig = _signature(path)

    @classmethod
    def open(cls, config_dir: Path, secrets: SecretStore) -> Inventory:
        """Load ``config_dir/routers.json`` (reads no secret unless a killed change is to be finished)."""
        path = Path(config_dir) / FILE_NAME
        inventory = cls(path, secrets, _load(path))
        if _leftovers(path):
            with contextlib.suppress(KnockguiError), inventory._lock, file_lock(path):
                inventory._refresh()
                inventory._reconcile()
        return inventory

    # ----- finishing what a killed change left -----
    @property
    def _journal(self) -> Path:
        return self.path.with_name(f".{self.path.name}.pending")

    def _begin(self, router_ids: Iterable[str]) -> None:
        """Note the ids whose secret is about to change before anything is written (see the module docstring)."""
        atomic_write(self._journal, (json.dumps(sorted(router_ids)) + "\n").encode("ascii"))

    def _end(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._journal.unlink()

    def _reconcile(self) -> None:
        """With the file lock held: remove stale temporary files, delete the secrets of pending ids not in the file."""
        for stale in _temp_files(self.path):
            with contextlib.suppress(OSError):
                stale.unlink()
        try:
            ids = json.loads(read_regular(self._journal, 1 << 20).decode("ascii"))
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                raise ValueError("not a list of ids")
        except FileNotFoundError:
            return
        except (OSError, KnockguiError, ValueError, RecursionError):  # damaged: nothing can be learnt from it
            self._end()
            return
        missing: list[str] = []
        try:
            for router_id in ids:
                router = self._by_id.get(router_id)
                if router is None:
                    self.secrets.delete(router_id)
                elif self.secrets.get(router_id) is None:
                    missing.append(router.name)
        except KnockguiError:
            return  # the keyring cannot be used now: the journal stays for a later start
        self._end()
        if missing:
            self.warning = (
                f"No knock sequence is stored for {', '.join(missing)} (a change was interrupted); "
                "edit the router and enter its sequence."
            )

    # ----- reading (no secrets) -----
    @property
    def routers(self) -> list[Router]:
        return list(self._routers)

    def _set_routers(self, routers: list[Router]) -> None:
        self._routers = list(routers)
        self._by_id = {r.id: r for r in self._routers}
        self._by_name = {r.name.casefold(): r for r in self._routers}
        self._haystack = [(f"{r.name}\n{r.host}\n{r.group}".casefold(), r) for r in self._routers]

    def find(self, name: str) -> Router:
        router = self._by_name.get(name.strip().casefold())
        if router is None:
            raise NotFoundError(f'There is no router named "{name.strip()}"; see knockgui-cli list.')
        return router

    def get(self, router_id: str) -> Router:
        router = self._by_id.get(router_id)
        if router is None:
            raise NotFoundError("That router no longer exists; reload the router list.")
        return router

    def matches(self, text: str) -> list[Router]:
        """Routers whose name, host or group contains ``text`` (ignoring case); all for empty text."""
        needle = text.strip().casefold()
        if not needle:
            return list(self._routers)
        return [r for hay, r in self._haystack if needle in hay]

    def secret(self, router: Router) -> RouterSecret:
        """Read this router's secret from the keyring now. SecretStoreError / NotFoundError."""
        found = self.secrets.get(router.id)
        if found is None:
            raise NotFoundError(
                f'No knock sequence is stored in the keyring for "{router.name}"; edit the router and enter it.'
            )
        if found.sequence is None:
            raise NotFoundError(
                f'"{router.name}" has no knock sequence yet (it was imported); set one with Edit or '
                f'knockgui-cli set-sequence "{router.name}".'
            )
        return found

    def has_secret(self, router: Router) -> bool:
        """Whether the keyring holds this router's secret (reads the keyring)."""
        return self.secrets.get(router.id) is not None

    # ----- changing -----
    def reload(self) -> None:
        with self._lock:
            loaded = _load(self.path)
            self._set_routers(loaded.routers)
            self._readonly = loaded.readonly
            if loaded.warning:
                self.warning = loaded.warning
            self._sig = _signature(self.path)

    def _refresh(self) -> None:
        if self._readonly:
            raise ConfigError(self._readonly)
        if _signature(self.path) != self._sig:
            self.reload()
            if self._readonly:
                raise ConfigError(self._readonly)
        if self._journal.exists():  # a change in another process was killed since this one opened
            self._reconcile()

    def _check_unique(self, router: Router, routers: Iterable[Router]) -> None:
        key = router.name.casefold()
        for other in routers:
            if other.id != router.id and other.name.casefold() == key:
                raise InputError(f'A router named "{other.name}" already exists; choose another name.')

    def _save(self, routers: list[Router]) -> None:
        doc: dict[str, Any] = {"schema": SCHEMA, "routers": [router_to_dict(r, defaults=False) for r in routers]}
        data = (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
        atomic_write(self.path, data)
        self._set_routers(routers)
        self._sig = _signature(self.path)

    def add(self, router: Router, secret: RouterSecret) -> Router:
        """Add a router and store its secret. InputError for bad fields or a name in use."""
        with self._lock, file_lock(self.path):
            router = _flagged(check_router(router), secret)
            self._refresh()
            self._check_unique(router, self._routers)
            if router.id in self._by_id:
                router = replace(router, id=_fresh_id(self._by_id))
            self._begin([router.id])
            try:
                self.secrets.set(router.id, secret)  # the secret first: a kill before the file leaves an orphan...
            except BaseException:
                self._end()
                raise
            try:
                _pause_between_writes()
                self._save([*self._routers, router])
            except BaseException:
                with contextlib.suppress(KnockguiError):
                    self.secrets.delete(router.id)
                    self._end()
                raise
            self._end()  # ...which the journal lets the next start delete
            return router

    def update(self, router: Router, secret: RouterSecret | None = None) -> Router:
        """Replace the router with the same id (rename keeps the secret); store ``secret`` if given."""
        with self._lock, file_lock(self.path):
            router = _flagged(check_router(router), secret)
            self._refresh()
            if router.id not in self._by_id:
                raise NotFoundError(f'The router "{router.name}" no longer exists; reload the router list.')
            self._check_unique(router, self._routers)
            old_secret = None
            if secret is not None:
                old_secret = self.secrets.get(router.id)
                self.secrets.set(router.id, secret)
            routers = [router if r.id == router.id else r for r in self._routers]
            try:
                self._save(routers)
            except BaseException:
                if secret is not None:
                    with contextlib.suppress(KnockguiError):
                        if old_secret is None:
                            self.secrets.delete(router.id)
                        else:
                            self.secrets.set(router.id, old_secret)
                raise
            return router

    def remove(self, name: str, *, leave_secret: bool = False) -> str | None:
        """Remove the router and delete its secret (the file first: a kill between leaves an orphan, see above).

        Without a usable keyring this raises SecretStoreError (nothing changed), unless ``leave_secret``:
        then the router is removed and the returned sentence says its secret stays in the keyring until a
        later start can delete it (its id stays in the journal).
        """
        with self._lock, file_lock(self.path):
            self._refresh()
            router = self.find(name)
            if not leave_secret:
                try:
                    self.secrets.get(router.id)  # the keyring must answer before anything is changed
                except SecretStoreError as exc:
                    raise SecretStoreError(
                        f"{exc.message.rstrip('.')}; to remove {router.name} anyway and leave its secret in the "
                        "keyring, remove it with --leave-secret (CLI)."
                    ) from None
            self._begin([router.id])
            self._save([r for r in self._routers if r.id != router.id])  # the file first: never a router
            _pause_between_writes()  # listed without its secret; a kill here leaves an orphan the journal names
            try:
                self.secrets.delete(router.id)
            except SecretStoreError:
                if not leave_secret:
                    raise
                return (
                    f"{router.name} was removed, but its secret could not be deleted from the keyring; knockgui "
                    "deletes it at a later start, once the keyring can be reached."
                )
            self._end()
            return None

    def upsert_many(self, items: list[tuple[Router, RouterSecret | None]]) -> None:
        """Add or replace (by id) many routers with one file write; used by import.

        Secrets given are stored first; if anything fails, the secrets stored here are put back as
        they were and the file is unchanged.
        """
        with self._lock, file_lock(self.path):
            self._refresh()
            checked = [(_flagged(check_router(r), s), s) for r, s in items]
            merged = dict(self._by_id)
            for router, _ in checked:
                merged[router.id] = router
            routers = list(merged.values())
            seen: set[str] = set()
            for router in routers:
                key = router.name.casefold()
                if key in seen:
                    raise InputError(f'Two routers would be named "{router.name}"; rename one and try again.')
                seen.add(key)
            undo: list[tuple[str, RouterSecret | None]] = []
            self._begin(r.id for r, s in checked if s is not None and r.id not in self._by_id)
            try:
                for router, secret in checked:
                    if secret is None:
                        continue
                    previous = self.secrets.get(router.id) if router.id in self._by_id else None
                    self.secrets.set(router.id, secret)
                    undo.append((router.id, previous))
                self._save(routers)
            except BaseException as exc:
                names = {r.id: r.name for r in routers}
                stuck: list[str] = []
                for router_id, previous in reversed(undo):
                    try:
                        if previous is None:
                            self.secrets.delete(router_id)
                        else:
                            self.secrets.set(router_id, previous)
                    except KnockguiError:
                        stuck.append(names.get(router_id, router_id))
                if stuck and isinstance(exc, KnockguiError):
                    raise SecretStoreError(
                        f"{exc.message.rstrip('.')}; {self.path.name} was not changed, but the keyring entries of "
                        f"{', '.join(reversed(stuck))} could not be put back as they were: check them with "
                        "knockgui-cli show NAME and set them again if needed."
                    ) from None
                raise
            self._end()


def _temp_files(path: Path) -> list[Path]:
    """Temporary files of an interrupted write of ``path`` or of its journal (both written with its lock held)."""
    prefixes = (f".{path.name}.", f"..{path.name}.pending.")  # atomic_write's names for the file and the journal
    try:
        with os.scandir(path.parent) as entries:
            return [Path(e.path) for e in entries if e.name.startswith(prefixes) and e.name.endswith(".tmp")]
    except OSError:
        return []


def _leftovers(path: Path) -> bool:
    """Whether a killed change left something to finish: a journal of pending ids or a temporary file."""
    return path.with_name(f".{path.name}.pending").exists() or bool(_temp_files(path))


PAUSE_ENV = "KNOCKGUI_PAUSE_BETWEEN_WRITES"


def _pause_between_writes() -> None:
    """The test hook of the module docstring: say so in the named file, then wait to be killed."""
    marker = os.environ.get(PAUSE_ENV)
    if not marker:
        return
    Path(marker).write_text(f"{os.getpid()}\n")
    time.sleep(60)


def _flagged(router: Router, secret: RouterSecret | None) -> Router:
    """The router with ``needs_sequence`` cleared when a secret with a sequence is stored for it (and set
    when one without a sequence is)."""
    if secret is None:
        return router
    needs = secret.sequence is None
    return router if router.needs_sequence == needs else replace(router, needs_sequence=needs)


def _fresh_id(taken: dict[str, Router]) -> str:
    from knockgui.core.model import new_id

    while True:
        candidate = new_id()
        if candidate not in taken:
            return candidate
