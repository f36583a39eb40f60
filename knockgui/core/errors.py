"""One error hierarchy for knockgui.

Every error carries a message that is one sentence for the user: what happened and what to do.
No message may contain a knock sequence or a password. ``exit_code`` is what the CLI returns.
"""

from __future__ import annotations


class KnockguiError(Exception):
    """Base of every error knockgui reports to a user."""

    exit_code: int = 3

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(KnockguiError):
    """The user gave something invalid (a bad port, a bad name, a bad option). Exit code 2."""

    exit_code = 2


class SequenceError(InputError):
    """A knock sequence in text form could not be parsed."""


class NotFoundError(InputError):
    """A named thing (a router, a setting) does not exist."""


class LocalError(KnockguiError):
    """Something on this computer is in the way (permissions, network, keyring). Exit code 3."""

    exit_code = 3


class ResolveError(LocalError):
    """A host name could not be resolved."""


class NetworkError(LocalError):
    """Sending a knock failed locally (no route, network unreachable, socket error)."""


class PermissionProblem(LocalError):
    """The OS refused something knockgui needs (an ICMP socket, a file)."""


class SecretStoreError(LocalError):
    """The OS keyring is missing, locked or refused a request."""


class ConfigError(LocalError):
    """The configuration file could not be read or written."""


class LaunchError(LocalError):
    """An external program could not be found or started."""


class CancelledError(KnockguiError):
    """The user cancelled a knock or a check."""

    exit_code = 130


class PortClosedError(KnockguiError):
    """The knock went out but the service port did not open (no answer, refused, unreachable). Exit code 1."""

    exit_code = 1
