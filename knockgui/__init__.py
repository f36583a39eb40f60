"""knockgui: knock on a MikroTik router's port-knocking firewall, check the port opened, connect."""

__version__ = "0.1.0"
APP_NAME = "knockgui"
