"""The Qt-free core of knockgui: model, sequences, knocking, checks, storage, launching.

Nothing under ``knockgui.core`` may import Qt; the CLI uses only this package.
"""
