import sys

from knockgui.gui.app import main

sys.exit(main())
