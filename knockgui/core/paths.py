"""Where knockgui keeps its files: the config folder, per platform, overridable for tests and portable use."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ENV_CONFIG_DIR = "KNOCKGUI_CONFIG_DIR"


def default_config_dir(platform: str = sys.platform, env: dict[str, str] | None = None) -> Path:
    """The OS's config folder for knockgui on ``platform`` (``win32``, ``darwin``, ``linux``)."""
    env = dict(os.environ) if env is None else env
    home = Path(env.get("HOME") or env.get("USERPROFILE") or Path.home())
    if platform == "win32":
        base = env.get("APPDATA")
        return Path(base) / "knockgui" if base else home / "AppData" / "Roaming" / "knockgui"
    if platform == "darwin":
        return home / "Library" / "Application Support" / "knockgui"
    xdg = env.get("XDG_CONFIG_HOME")
    return (Path(xdg) if xdg else home / ".config") / "knockgui"


def config_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The config folder: ``override`` (``--config-dir``), else ``KNOCKGUI_CONFIG_DIR``, else the OS default."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get(ENV_CONFIG_DIR)
    if env:
        return Path(env).expanduser()
    return default_config_dir()
