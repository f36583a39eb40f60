"""The Qt GUI of knockgui. It builds on ``knockgui.core`` and is the only place Qt is imported."""
