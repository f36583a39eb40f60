"""A Wine prefix in which the Windows GUI exe shows its window on a private X display (test-only).

Why: Qt 6.8's "windows" platform builds its palette from WinRT's
``Windows.UI.ViewManagement.UISettings``; Wine 8 has no such runtime class (combase: "Failed to find
library for L"Windows.UI.ViewManagement.UISettings""), C++/WinRT throws and the exe aborts (exit 9)
before any window. What is tried, least invasive first: ``-platform windows:darkmode=0`` and the other
platform options do not avoid the call (the palette always asks for the accent colour); Debian 12 has
no newer Wine. What works: ``wine_stubs/uisettings.c``, a small UISettings class (IUISettings3's
GetColorValue with the Windows 10 default colours), built here with mingw-w64 and registered under
``HKLM\\Software\\Microsoft\\WindowsRuntime\\ActivatableClassId`` in the test's own prefix, the way
Windows registers its runtime classes. Nothing of it is in a build or reaches a user; the shipped exe
and Qt are unchanged. ``wine_stubs/winbox.c`` is the stand-in winbox.exe that records its command line.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "build_scripts"))

import windows  # noqa: E402

CC = "x86_64-w64-mingw32-gcc"
UISETTINGS_CLASS = "Windows.UI.ViewManagement.UISettings"
STUB_DLL = "knockgui-test-uisettings.dll"


def have_mingw() -> str:
    return "" if shutil.which(CC) else "needs mingw-w64 (Debian package gcc-mingw-w64-x86-64-win32)"


def compile_stubs(out: Path) -> tuple[Path, Path]:
    """uisettings.dll and winbox.exe, compiled into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    dll, exe = out / "uisettings.dll", out / "winbox.exe"
    for argv in (
        [CC, "-shared", "-O2", "-o", str(dll), str(HERE / "wine_stubs" / "uisettings.c")],
        [CC, "-O2", "-municode", "-mwindows", "-o", str(exe), str(HERE / "wine_stubs" / "winbox.c")],
    ):
        subprocess.run(argv, check=True, capture_output=True, timeout=120)
    return dll, exe


def gui_prefix(prefix: Path, dll: Path) -> Path:
    """A new Wine prefix with the UISettings class registered."""
    windows.ensure_prefix(prefix)
    shutil.copy(dll, prefix / "drive_c" / "windows" / "system32" / STUB_DLL)
    key = rf"HKLM\Software\Microsoft\WindowsRuntime\ActivatableClassId\{UISETTINGS_CLASS}"
    windows.wine(
        ["reg", "add", key, "/v", "DllPath", "/t", "REG_SZ", "/d", rf"C:\windows\system32\{STUB_DLL}", "/f"],
        prefix=prefix,
    )
    return prefix
