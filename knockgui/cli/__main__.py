import sys

from knockgui.cli import main

sys.exit(main())
