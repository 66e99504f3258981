"""User-facing errors.

Every problem a user can cause (a bad file, a bad parameter, an output that cannot be written)
is raised as an :class:`HsadError` whose message is one line naming the file and what is wrong.
The command line prints it without a traceback and exits 2; the Processing algorithms turn it
into a ``QgsProcessingException``. Anything else is a bug and keeps its traceback.
"""
from __future__ import annotations


class HsadError(Exception):
    """A problem with the user's input or environment, explained in one line."""

    exit_code = 2

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


class InputError(HsadError):
    """The scene (or another input) cannot be used as given."""


class OutputError(HsadError):
    """The output cannot be written where asked."""


class DependencyError(HsadError):
    """An optional dependency (torch, weights) is missing; the message says how to install it."""


class Cancelled(Exception):
    """The caller asked to stop (Cancel in QGIS, Ctrl-C on the command line)."""
