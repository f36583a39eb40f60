"""Numbers typed as option values: only the ASCII digits 0-9 and a bounded length.

``int()`` and ``float()`` accept far more than a user means by a number: other scripts' digits
(``١٢``), superscripts that ``str.isdigit()`` calls digits but ``int()`` refuses (``²``: an unexpected
ValueError), and 5,000-digit numbers (above Python's limit for int(): a ValueError too). Knock steps are
written with ASCII digits only; so are option values. Each refusal is a usage error (exit 2).
"""

from __future__ import annotations

import argparse

from knockgui.core.digits import is_decimal, is_whole

__all__ = ["decimal_number", "is_whole", "whole_number"]


def whole_number(text: str) -> int:
    """argparse ``type=`` for a whole number written with 0-9 (at most 12 digits)."""
    if not is_whole(text):
        raise argparse.ArgumentTypeError("must be a whole number written with the digits 0-9")
    return int(text.strip())


def decimal_number(text: str) -> float:
    """argparse ``type=`` for a number such as 2 or 0.5, written with 0-9 and an optional point."""
    if not is_decimal(text):
        raise argparse.ArgumentTypeError("must be a number written with the digits 0-9, such as 2 or 0.5")
    return float(text.strip())
