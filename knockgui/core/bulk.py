"""Setting the knock sequence of many routers at once (imported ones arrive without one).

The sequence is typed once for all, copied from another router, or generated (a different random one
for each router). Kept passwords and logins stay in each router's keyring entry. Routers that already
have a sequence keep it unless ``overwrite``. All is stored with one write of ``routers.json`` (see
:meth:`~knockgui.core.store.Inventory.upsert_many`: all or nothing).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from knockgui.core.model import Router
from knockgui.core.secrets import RouterSecret
from knockgui.core.sequence import Sequence
from knockgui.core.store import Inventory


@dataclass(frozen=True)
class BulkResult:
    changed: tuple[str, ...]  # names of the routers given a sequence
    kept: tuple[str, ...]  # names of the routers that had one and kept it
    generated: bool

    @property
    def message(self) -> str:
        how = "its own new random sequence each" if self.generated else "the same sequence"
        text = f"Set {how} for {len(self.changed)} routers" + (f": {', '.join(self.changed)}." if self.changed else ".")
        if self.kept:
            text += f" Kept the sequence of {len(self.kept)} that had one ({', '.join(self.kept)})."
        return text


def set_sequences(
    inventory: Inventory,
    routers: Iterable[Router],
    sequence: Sequence | None = None,
    *,
    steps: int = 3,
    overwrite: bool = False,
) -> BulkResult:
    """Give ``routers`` ``sequence`` (None: a new random one each, of ``steps`` steps)."""
    from knockgui.core.generate import generate_sequence

    changes: list[tuple[Router, RouterSecret | None]] = []
    kept: list[str] = []
    for router in routers:
        current = inventory.secrets.get(router.id)
        if current is not None and current.sequence is not None and not overwrite:
            kept.append(router.name)
            continue
        chosen = sequence if sequence is not None else generate_sequence(steps)
        password, login = (current.password, current.login) if current is not None else (None, None)
        changes.append((router, RouterSecret(chosen, password, login)))
    if changes:
        inventory.upsert_many(changes)
    return BulkResult(tuple(r.name for r, _ in changes), tuple(kept), sequence is None)
