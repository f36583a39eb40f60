"""Router ids: random version-4 UUIDs written as 32 lowercase hex digits (what the inventory checks)."""

from __future__ import annotations

import uuid

from knockgui.core.model import Router, new_id
from knockgui.core.validate import check_router


def test_ids_are_version_4_uuids_in_hex() -> None:
    ids = {new_id() for _ in range(2000)}
    assert len(ids) == 2000
    for text in ids:
        parsed = uuid.UUID(hex=text)
        assert parsed.hex == text
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122


def test_a_new_router_gets_an_id_the_inventory_accepts() -> None:
    first, second = Router(name="a", host="10.0.0.1"), Router(name="b", host="10.0.0.2")
    assert first.id != second.id
    assert check_router(first).id == first.id
