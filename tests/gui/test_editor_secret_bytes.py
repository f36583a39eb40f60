"""The sequence editor's payload cell refuses a byte that is not text without naming it (issue 16 item 5)."""

from __future__ import annotations

import pytest

from knockgui.gui.sequence_editor import parse_payload


def test_the_sequence_editor_refuses_such_a_payload_without_its_bytes() -> None:
    with pytest.raises(ValueError) as caught:
        parse_payload("SECR\udcffET")
    message = str(caught.value)
    assert not [part for part in ("udcff", "\udcff", "SECR", "position", "codec") if part in message], message
    assert "in hex" in message
