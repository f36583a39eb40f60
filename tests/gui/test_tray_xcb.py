"""The tray on a real X display: runs tests/gui/xcb_tray_cases.py in a child pytest on a private Xvfb.

With trayer as the tray host (the icon docks, the menu, a real knock of the namespace router, the
notification, close to tray) and without one (the window says so, closing quits).
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import need
from tests.testbed.display import XDisplay
from tests.testbed.netns import have_root_netns

pytestmark = [pytest.mark.xvfb, pytest.mark.slow]
CASES = "tests/gui/xcb_tray_cases.py"


def _passed(out: str) -> int:
    m = re.search(r"(\d+) passed", out)
    return int(m.group(1)) if m else 0


def test_tray_with_a_tray_host(xdisplay_with_tray: XDisplay) -> None:
    need(have_root_netns())  # one case knocks the namespace router
    code, out = xdisplay_with_tray.run_pytest(CASES, "-k", "with_tray", env={"KNOCKGUI_TRAY_HOST": "1"})
    assert code == 0, out
    assert _passed(out) == 4 and "skipped" not in out, out


def test_tray_without_a_tray_host_falls_back_to_the_window(xdisplay: XDisplay) -> None:
    code, out = xdisplay.run_pytest(CASES, "-k", "without_tray", env={"KNOCKGUI_TRAY_HOST": "0"})
    assert code == 0, out
    assert _passed(out) == 1 and "skipped" not in out, out
