"""A Wine prefix in which the Windows GUI exe shows its window on a private X display (test-only).

Why: Qt 6.8's "windows" platform builds its palette from WinRT's
``Windows.UI.ViewManagement.UISettings``; Wine 8 has no such runtime class (combase: "Failed to find
library for L"Windows.UI.ViewManagement.UISettings""), C++/WinRT throws and the exe aborts (exit 9)
before any window. Tried first, on the built exe on Xvfb, each ending the same way (exit 9 right after
that call): ``-platform windows:darkmode=0``, the same with ``-style fusion``, and
``-platform windows:nodirectwrite,darkmode=0,fontengine=freetype`` (a ``WINEQT_QPA_PLATFORM`` variable
only passes the same options through Wine): the palette asks for the accent colour whatever the options.
Debian 12 has no newer Wine (8.0 only; no backports). What works: ``wine_stubs/uisettings.c``, a small
UISettings class (IUISettings3's GetColorValue with the Windows 10 default colours), built here with mingw-w64 and registered under
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


def register_uisettings(prefix: Path, dll: Path) -> Path:
    """Register the test-only UISettings class in the Wine prefix ``prefix`` (HKLM, as Windows does)."""
    shutil.copy(dll, prefix / "drive_c" / "windows" / "system32" / STUB_DLL)
    key = rf"HKLM\Software\Microsoft\WindowsRuntime\ActivatableClassId\{UISETTINGS_CLASS}"
    windows.wine(
        ["reg", "add", key, "/v", "DllPath", "/t", "REG_SZ", "/d", rf"C:\windows\system32\{STUB_DLL}", "/f"],
        prefix=prefix,
    )
    return prefix
