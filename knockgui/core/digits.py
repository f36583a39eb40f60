"""The numbers a user may type: ASCII digits 0-9 only, of bounded length.

``int()`` and ``float()`` take far more: other scripts' digits (``١٢``), fullwidth ones, ``1_000``,
``1e3`` and 5,000-digit numbers (a ValueError above Python's limit for int()). Knock steps are written
with ASCII digits only, and so is every number typed as an option or a setting's value.
"""

from __future__ import annotations

import re

_WHOLE = re.compile(r"[0-9]{1,12}")
_DECIMAL = re.compile(r"[0-9]{1,9}(\.[0-9]{0,9})?|\.[0-9]{1,9}")


def is_whole(text: str) -> bool:
    """``text`` (surrounding blanks aside) is a whole number of at most 12 digits 0-9."""
    return _WHOLE.fullmatch(text.strip()) is not None


def is_decimal(text: str) -> bool:
    """``text`` (surrounding blanks aside) is a number such as 2, 0.5 or .5 written with 0-9 and a point."""
    return _DECIMAL.fullmatch(text.strip()) is not None
