"""Print the version resource of Windows executables as JSON, read from the PE files with pefile.

    python build_scripts/peversion.py A.exe [B.exe ...]   ->  {"A.exe": {"FileDescription": ..., "fixed": "0.1.0.0"}, ...}

Runs in a Python that has pefile (PyInstaller's own dependency on Windows): the Wine CPython of the
Wine build, or the release runner's. ``fixed`` is the binary FILEVERSION of VS_FIXEDFILEINFO.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def version_strings(path: str) -> dict[str, str]:
    import pefile  # type: ignore[import-not-found]

    pe: Any = pefile.PE(path, fast_load=True)
    try:
        pe.parse_data_directories(directories=[pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_RESOURCE"]])
        found: dict[str, str] = {}
        for info_list in getattr(pe, "FileInfo", []):
            for info in info_list:
                if getattr(info, "Key", b"") == b"StringFileInfo":
                    for table in info.StringTable:
                        for key, value in table.entries.items():
                            found[key.decode("utf-8", "replace")] = value.decode("utf-8", "replace")
        fixed = getattr(pe, "VS_FIXEDFILEINFO", None)
        if fixed:
            ms, ls = fixed[0].FileVersionMS, fixed[0].FileVersionLS
            found["fixed"] = f"{ms >> 16}.{ms & 0xFFFF}.{ls >> 16}.{ls & 0xFFFF}"
        return found
    finally:
        pe.close()


if __name__ == "__main__":
    json.dump({path: version_strings(path) for path in sys.argv[1:]}, sys.stdout, indent=1)
    sys.stdout.write("\n")
