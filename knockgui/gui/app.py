"""Entry point of the ``knockgui`` GUI (placeholder window until the GUI issue lands)."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

from knockgui import APP_NAME, __version__


def main(argv: list[str] | None = None) -> int:
    if "--self-test" in (sys.argv[1:] if argv is None else argv):  # before any window (PACKAGING)
        from knockgui.gui.selftest import main as self_test

        return self_test(sys.argv[1:] if argv is None else list(argv))
    app = QApplication(sys.argv if argv is None else [APP_NAME, *argv])
    window = QMainWindow()
    window.setWindowTitle(f"{APP_NAME} {__version__}")
    window.setCentralWidget(QLabel("knockgui: the router list comes with the GUI issue."))
    window.resize(640, 400)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
