"""No message derived from a secret: a sequence or password holding a byte that is not UTF-8 (issue 16 item 5).

On POSIX the command line gives such a byte as a lone surrogate (``\\udcff``); Python's codec error would
name it and its position ("can't encode character '\\udcff' in position 4"), which is part of the secret.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from knockgui.core.errors import KnockguiError, SequenceError
from knockgui.core.secrets import RouterSecret
from knockgui.core.sequence import parse_sequence

SECRET_PARTS = ("udcff", "\udcff", "SECR", "position", "codec", "1337")


def _clean(message: str) -> None:
    assert not [part for part in SECRET_PARTS if part in message], message
    assert message.endswith(".") or message.endswith("0x6f70"), message


@pytest.mark.parametrize("text", ["1337:udp:SECR\udcffET", "icmp:128:SECR\udcffET", "1337:tcp 1337:udp:\udcff"])
def test_a_payload_with_a_byte_that_is_not_text_is_refused_without_its_bytes(text: str) -> None:
    with pytest.raises(SequenceError) as caught:
        parse_sequence(text)
    _clean(caught.value.message)
    assert "in hex" in caught.value.message


def test_a_password_with_such_a_byte_is_refused_without_its_bytes() -> None:
    with pytest.raises(KnockguiError) as caught:
        RouterSecret(parse_sequence("1337:tcp"), "pwSECR\udcffET").to_entry()
    _clean(caught.value.message)


def test_the_cli_says_it_in_a_sentence_without_the_bytes() -> None:
    proc = subprocess.run(
        [sys.executable.encode(), b"-m", b"knockgui.cli", b"knock", b"127.0.0.1", b"1337:udp:SECR\xffET"],
        capture_output=True,
        timeout=60,
    )
    stderr = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 2, stderr
    _clean(stderr.strip())
