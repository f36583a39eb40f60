"""The import plan: what an import adds, merges and skips (and why), shown before anything is written.

* A duplicate is an entry with the same host and port as a router (in the inventory, or earlier in
  the same file), or with the same name when the file names it. ``duplicates="merge"`` merges it,
  ``"skip"`` skips it; it is never silently doubled. A made-up name (from the note or the host) that is
  taken by another router gets the host added, then a number.
* Merging into an existing router updates its group, notes and user and adds the file's password or
  login to its keyring entry. It never silently changes where that router's secret goes or what runs:
  a changed host, port, service, custom command or pass_password is listed and the entry is skipped,
  unless ``replace=True`` (the user's explicit choice: ``--replace``, or ticked in the GUI's preview).
  An entry merged into an earlier entry of the same file only fills in what that one lacked.
* :func:`apply` is one atomic write of ``routers.json`` plus the keyring entries (see
  :meth:`Inventory.upsert_many`): when the keyring refuses midway, what was stored is put back and the
  file is not written; anything that could not be put back is named in the error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from knockgui.core.importers import Source
from knockgui.core.importers.mapping import Candidate, candidate, candidate_from_item, endpoint, sensitive_changes
from knockgui.core.model import Router, new_id
from knockgui.core.secrets import RouterSecret
from knockgui.core.store import Inventory

MERGE, SKIP = "merge", "skip"


class Action(StrEnum):
    ADD = "add"
    MERGE = "merge"
    SKIP = "skip"


@dataclass(frozen=True)
class Entry:
    """One line of the plan. ``router`` is what will be written (ADD, MERGE); ``reason`` says why an
    entry is skipped or what a merge does. ``held`` lists the sensitive changes a replace would make."""

    action: Action
    label: str
    reason: str = ""
    router: Router | None = None
    candidate: Candidate | None = None
    held: tuple[str, ...] = ()
    fill: bool = False  # merged into a router an earlier entry of the file matched: fills in only

    def __repr__(self) -> str:
        return f"Entry({self.action.value}, {self.label!r}, {self.reason!r})"


@dataclass(frozen=True)
class Plan:
    source: str
    entries: tuple[Entry, ...]

    def of(self, action: Action) -> list[Entry]:
        return [e for e in self.entries if e.action is action]

    @property
    def held(self) -> list[Entry]:
        """Entries skipped because they would change an existing router's host, port, command..."""
        return [e for e in self.entries if e.held]

    @property
    def message(self) -> str:
        added, merged, skipped = (len(self.of(a)) for a in Action)
        text = f"{added} added, {merged} merged, {skipped} skipped."
        waiting = sum(1 for e in self.entries if e.router is not None and e.router.needs_sequence)
        if waiting:
            text += f" {waiting} have no knock sequence yet: set one with set-sequence (or Edit)."
        return text

    def lines(self) -> list[str]:
        """The summary as lines: what is added, merged, and skipped grouped by reason (count and names)."""
        out = [self.message]
        for action in (Action.ADD, Action.MERGE):
            entries = self.of(action)
            if entries:
                verb = "added" if action is Action.ADD else "merged"
                out.append(f"  {verb} ({len(entries)}): " + ", ".join(_shown(e) for e in entries))
        groups: dict[str, list[str]] = {}
        for entry in self.of(Action.SKIP):
            groups.setdefault(entry.reason, []).append(entry.label)
        for reason, labels in groups.items():
            out.append(f"  skipped ({len(labels)}), {reason}: " + ", ".join(labels))
        return out


def _shown(entry: Entry) -> str:
    if entry.action is Action.MERGE:
        return f"{entry.label} into {entry.reason}"
    if entry.router is not None and entry.router.name != entry.label:
        return f"{entry.label} as {entry.router.name}"
    return entry.label


def candidates(source: Source) -> list[Candidate | tuple[str, str]]:
    """The source's entries as candidates, or (label, why skipped)."""
    found: list[Candidate | tuple[str, str]] = []
    for record in source.records:
        result = candidate(record)
        found.append((record.label, result) if isinstance(result, str) else result)
    for item in source.items:
        found.append(candidate_from_item(item.router, item.secret))
    return found


def _fill(first: Router, second: Router) -> Router:
    """``first`` with the empty fields that ``second`` has (an entry merged into an earlier one)."""
    return replace(
        first,
        group=first.group or second.group,
        notes=first.notes or second.notes,
        user=first.user or second.user,
    )


def _update(old: Router, new: Router, take_sensitive: bool) -> Router:
    """``old`` updated with the file's values (its id kept); sensitive fields only when ``take_sensitive``."""
    merged = replace(
        old,
        group=new.group or old.group,
        notes=new.notes or old.notes,
        user=new.user or old.user,
        delay_ms=new.delay_ms if new.delay_ms is not None else old.delay_ms,
        timeout_s=new.timeout_s if new.timeout_s is not None else old.timeout_s,
        keep_open_s=new.keep_open_s if new.keep_open_s is not None else old.keep_open_s,
    )
    if take_sensitive:
        old_commands = {spec.command.strip() for spec in old.services}
        changed_command = any(spec.command.strip() not in old_commands for spec in new.services)
        merged = replace(
            merged,
            host=new.host,
            services=new.services,
            pass_password=new.pass_password,
            command_unconfirmed=old.command_unconfirmed or changed_command,
        )
    if new.name != old.name and new.name.casefold() == old.name.casefold():
        merged = replace(merged, name=new.name)
    return merged


class _Targets:
    """The routers an entry can be a duplicate of: the inventory's and the ones planned so far."""

    def __init__(self, routers: Iterable[Router]) -> None:
        self.by_name: dict[str, Router] = {}
        self.by_end: dict[tuple[str, int], Router] = {}
        self.existing: set[str] = set()
        for router in routers:
            self.put(router)
            self.existing.add(router.id)

    def put(self, router: Router, old: Router | None = None) -> None:
        if old is not None:
            self.by_name.pop(old.name.casefold(), None)
            if self.by_end.get(endpoint(old)) is old:
                del self.by_end[endpoint(old)]
        self.by_name[router.name.casefold()] = router
        self.by_end.setdefault(endpoint(router), router)

    def free_name(self, name: str, host: str) -> str:
        if name.casefold() not in self.by_name:
            return name
        base = name if name == host else f"{name} ({host})"
        base = base[:60]
        candidate, number = base, 2
        while candidate.casefold() in self.by_name:
            candidate, number = f"{base} {number}", number + 1
        return candidate


def build_plan(inventory: Inventory, source: Source, *, duplicates: str = MERGE, replace_changed: bool = False) -> Plan:
    """The plan for importing ``source`` into ``inventory`` (reads no secret, changes nothing)."""
    targets = _Targets(inventory.routers)
    taken_ids = {r.id for r in inventory.routers}
    entries: list[Entry] = []
    index: dict[str, int] = {}  # router id -> its entry, for entries merged into a planned one
    matched: set[str] = set()  # existing routers an entry of this file was merged into (or found unchanged)
    for found in candidates(source):
        if isinstance(found, tuple):
            entries.append(Entry(Action.SKIP, found[0], found[1]))
            continue
        router = found.router
        target = targets.by_end.get(endpoint(router))
        why = "same host and port as"
        if target is None and found.named:
            target = targets.by_name.get(router.name.casefold())
            why = "same name as"
        if target is None:
            router = replace(router, name=targets.free_name(router.name, router.host))
            while router.id in taken_ids:
                router = replace(router, id=new_id())
            taken_ids.add(router.id)
            targets.put(router)
            index[router.id] = len(entries)
            entries.append(Entry(Action.ADD, found.label, router=router, candidate=replace(found, router=router)))
            continue
        kind = "existing router" if target.id in targets.existing else "an earlier entry"
        if duplicates == SKIP:
            entries.append(Entry(Action.SKIP, found.label, f"{why} {kind} (duplicates skipped)"))
            continue
        if target.id not in targets.existing:  # two entries of one file: the second fills in the first
            earlier = entries[index[target.id]]
            changes = sensitive_changes(target, router)
            if changes and why == "same name as":
                entries.append(Entry(Action.SKIP, found.label, f"{why} an earlier entry with another address"))
                continue
            filled = _fill(target, router)
            first = earlier.candidate
            assert first is not None
            merged_candidate = replace(
                first,
                router=filled,
                password=first.password or found.password,
                login=first.login or found.login,
                sequence=first.sequence or found.sequence,
            )
            entries[index[target.id]] = replace(earlier, router=filled, candidate=merged_candidate)
            targets.put(filled, target)
            entries.append(Entry(Action.MERGE, found.label, f"{target.name} (an earlier entry)"))
            continue
        changes = sensitive_changes(target, router)
        if changes and not replace_changed:
            entries.append(
                Entry(
                    Action.SKIP,
                    found.label,
                    f"it would change {target.name}'s {'; '.join(changes)} (--replace takes the file's)",
                    candidate=found,
                    held=tuple(changes),
                )
            )
            continue
        fill = target.id in matched
        matched.add(target.id)
        merged = _fill(target, router) if fill else _update(target, router, replace_changed)
        if merged.needs_sequence and found.sequence is not None:
            merged = replace(merged, needs_sequence=False)
        if merged == target and _merged_secret(_kept(inventory, target, found), found, fill) is None:
            entries.append(Entry(Action.SKIP, found.label, f"the same as {kind} {target.name} (unchanged)"))
            continue
        targets.put(merged, target)
        entries.append(
            Entry(
                Action.MERGE,
                found.label,
                target.name,
                router=merged,
                candidate=replace(found, router=merged),
                fill=fill,
            )
        )
    return Plan(str(source.path), tuple(entries))


@dataclass(frozen=True)
class Applied:
    plan: Plan
    written: int  # routers written to routers.json
    secrets: int  # keyring entries stored

    @property
    def message(self) -> str:
        return self.plan.message


def _merged_secret(old: RouterSecret | None, found: Candidate, fill: bool = False) -> RouterSecret | None:
    """The keyring entry after merging ``found`` into ``old`` (the file's values win, or with ``fill`` only
    fill in what is missing); None when nothing changes."""
    new = found.secret()
    if new is None:
        return None
    if old is None:
        return new
    if fill:
        merged = RouterSecret(old.sequence or found.sequence, old.password or found.password, old.login or found.login)
    else:
        merged = RouterSecret(found.sequence or old.sequence, found.password or old.password, found.login or old.login)
    return None if merged == old else merged


def _kept(inventory: Inventory, target: Router, found: Candidate) -> RouterSecret | None:
    """The target's keyring entry, read only when the file brings a secret to compare with it."""
    return inventory.secrets.get(target.id) if found.secret() is not None else None


def apply(inventory: Inventory, plan: Plan) -> Applied:
    """Write the plan: one atomic write of ``routers.json`` plus the keyring entries (all or nothing)."""
    existing = {r.id: r for r in inventory.routers}
    routers: dict[str, Router] = {}
    secrets: dict[str, RouterSecret] = {}
    for entry in plan.entries:
        if entry.router is None or entry.candidate is None:
            continue
        rid = entry.router.id
        if rid in existing:
            base = secrets[rid] if rid in secrets else inventory.secrets.get(rid)
            secret = _merged_secret(base, entry.candidate, entry.fill)
        else:
            secret = entry.candidate.secret()
        if secret is not None:
            secrets[rid] = secret
        routers[rid] = entry.router
    changes = [
        (router, secrets.get(rid)) for rid, router in routers.items() if rid in secrets or existing.get(rid) != router
    ]
    if changes:
        inventory.upsert_many(changes)
    return Applied(plan, len(changes), sum(1 for _, s in changes if s is not None))
