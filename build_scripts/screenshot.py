"""Make docs/screenshot.png from the real program: ``knockgui --demo`` on a private Xvfb display.

It starts a tray host (trayer) on the display, so the status bar shows the normal state and not the
"no system tray" notice, then the demo (a simulated router on loopback, example entries on documentation addresses that
are never contacted, no real secrets), types Ctrl+F "loopback" Enter with xdotool so the demo router
is knocked (first with the swapped sequence, which fails, then the right one), checked and its page "opened" (the browser opener is a no-op stand-in here), clears the
filter, grabs the screen and crops it to the window.

    .venv/bin/python build_scripts/screenshot.py [OUTPUT.png]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.testbed.display import XDisplay  # noqa: E402  (the private Xvfb helper of the test bed)


def window_geometry(display: XDisplay, window: int) -> tuple[int, int, int, int]:
    out = display.xdotool("getwindowgeometry", "--shell", str(window))
    values = dict(line.split("=", 1) for line in out.split() if "=" in line)
    return int(values["X"]), int(values["Y"]), int(values["WIDTH"]), int(values["HEIGHT"])


def main() -> int:
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshot.png"
    program = Path(sys.executable).parent / "knockgui"
    with tempfile.TemporaryDirectory() as tmp, XDisplay(tray=True, size="1100x700x24") as display:
        bin_dir = Path(tmp) / "bin"
        bin_dir.mkdir()
        opener = bin_dir / "xdg-open"
        opener.write_text("#!/bin/sh\nexit 0\n")  # the demo's WebFig page is not opened in a real browser here
        opener.chmod(0o755)
        env = {
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOME": tmp,
            "XDG_CONFIG_HOME": str(Path(tmp) / ".config"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            "LANG": "C.UTF-8",
        }
        proc = display.spawn([str(program), "--demo"], env=env, session_bus=False)
        try:
            window = display.wait_window("^knockgui demo", timeout=30)
            display.wait_tray_icons(1, timeout=15)  # the icon docked: the window shows the normal state
            display.xdotool("windowsize", str(window), "1060", "400")
            display.xdotool("windowfocus", "--sync", str(window))
            time.sleep(0.5)
            for words, wait in (("wrong", 4.0), ("demo router", 2.0)):  # the swapped sequence fails in 3 s
                display.xdotool("key", "ctrl+f")
                display.xdotool("type", "--delay", "30", words)
                display.xdotool("key", "Return")
                time.sleep(wait)
            display.xdotool("key", "ctrl+f")
            display.xdotool("key", "BackSpace")
            time.sleep(0.8)
            full = Path(tmp) / "screen.png"
            display.screenshot(full)
            x, y, width, height = window_geometry(display, window)
        finally:
            display.stop(proc)
        from PySide6.QtGui import QImage

        image = QImage(str(full)).copy(x, y, width, height)
    output.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(output)):
        print(f"screenshot: could not write {output}", file=sys.stderr)
        return 1
    print(f"screenshot: wrote {output} ({width}x{height})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
