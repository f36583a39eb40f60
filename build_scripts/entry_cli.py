"""PyInstaller entry point of the console ``knockgui-cli`` executable (no Qt is bundled)."""

import sys

from knockgui.cli import main

if __name__ == "__main__":
    sys.exit(main())
