"""PyInstaller entry point of the windowed ``knockgui`` executable."""

import sys

from knockgui.gui.app import main

if __name__ == "__main__":
    sys.exit(main())
