"""The Windows version resource of the executables, written from ``knockgui.__version__``."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TEMPLATE = """# UTF-8
VSVersionInfo(
  ffi=FixedFileInfo(
    filevers={nums},
    prodvers={nums},
    mask=0x3f,
    flags=0x0,
    OS=0x40004,
    fileType=0x1,
    subtype=0x0,
    date=(0, 0)
  ),
  kids=[
    StringFileInfo([
      StringTable('040904B0', [
        StringStruct('CompanyName', 'knockgui'),
        StringStruct('FileDescription', '{description}'),
        StringStruct('FileVersion', '{version}'),
        StringStruct('InternalName', '{name}'),
        StringStruct('LegalCopyright', 'MIT licence'),
        StringStruct('OriginalFilename', '{name}.exe'),
        StringStruct('ProductName', 'knockgui'),
        StringStruct('ProductVersion', '{version}')])
    ]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""


def package_version(root: Path = ROOT) -> str:
    """``__version__`` read from the source (the Wine Python need not import the package to know it)."""
    text = (root / "knockgui" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.MULTILINE)
    if not match:
        raise SystemExit("build: knockgui/__init__.py has no __version__ line.")
    return match.group(1)


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """``0.1.0`` -> (0, 1, 0, 0); pre-release suffixes (``0.2.0rc1``) keep their numeric prefix."""
    parts = [int(m.group(0)) if (m := re.match(r"\d+", p)) else 0 for p in version.split(".")[:4]]
    padded = [*parts, 0, 0, 0, 0][:4]
    return padded[0], padded[1], padded[2], padded[3]


# Each executable's own FileDescription (what Explorer's Details tab and Task Manager show).
DESCRIPTIONS = {
    "knockgui": "knockgui: knock, check and connect to MikroTik routers",
    "knockgui-cli": "knockgui-cli: the knockgui command line (knock, check, connect)",
}


def expected_strings(name: str, version: str) -> dict[str, str]:
    """The version resource strings ``name.exe`` must carry."""
    return {
        "CompanyName": "knockgui",
        "FileDescription": DESCRIPTIONS[name],
        "FileVersion": version,
        "InternalName": name,
        "LegalCopyright": "MIT licence",
        "OriginalFilename": f"{name}.exe",
        "ProductName": "knockgui",
        "ProductVersion": version,
    }


def version_file_name(name: str) -> str:
    return f"version-{name}.txt"


def write_version_file(path: Path, version: str, name: str = "knockgui") -> Path:
    text = TEMPLATE.format(
        nums=version_tuple(version),
        version=version,
        name=name,
        description=DESCRIPTIONS[name],
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_version_files(folder: Path, version: str) -> Path:
    """One version file per executable (``version-knockgui.txt``, ``version-knockgui-cli.txt``) in ``folder``."""
    for name in DESCRIPTIONS:
        write_version_file(folder / version_file_name(name), version, name)
    return folder
