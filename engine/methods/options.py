"""A detector's user-settable options, declared once and shown everywhere.

Each detector class lists its :class:`Option`s; the command line (``--inner 5``), the Processing
parameters (``INNER_WINDOW``), :class:`~hsad.engine.methods.parameters.DetectParameters`, the batch's
"same settings" check and the help texts are all derived from that one list, so an option's
name, default, range and help cannot drift apart between them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

from ..errors import HsadError

KINDS = ("int", "float", "folder", "choice")


@dataclass(frozen=True)
class Option:
    """One option of a detector."""

    name: str  # constructor keyword and DetectParameters.options key; CLI --name-with-dashes
    label: str  # what the Processing dialog shows
    kind: str  # one of KINDS
    default: Any = None  # None: no default (required when ``required``)
    help: str = ""
    minimum: Optional[float] = None
    maximum: Optional[float] = None
    choices: Sequence[str] = ()
    odd: bool = False  # whole numbers that must be odd (window sizes)
    required: bool = False
    parameter: str = ""  # the Processing parameter name (default: NAME upper-cased)

    @property
    def cli_flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def processing_name(self) -> str:
        return self.parameter or self.name.upper()

    def check(self, value: Any, method: str) -> Any:
        """The value converted to its kind, or a one-line HsadError naming the option."""
        if value is None:
            if self.required:
                raise HsadError(f"method '{method}' needs {self.cli_flag} "
                                f"({self.label}): {self.help}")
            return self.default
        where = f"{self.cli_flag} ({self.label})"
        if self.kind in ("int", "float"):
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise HsadError(f"{where}: '{value}' is not a number") from None
            if self.kind == "int":
                if number != int(number):
                    raise HsadError(f"{where}: {value} is not a whole number")
                number = int(number)
            if self.minimum is not None and number < self.minimum:
                raise HsadError(f"{where}: {value} is below the minimum {self.minimum:g}")
            if self.maximum is not None and number > self.maximum:
                raise HsadError(f"{where}: {value} is above the maximum {self.maximum:g}")
            if self.odd and number % 2 == 0:
                raise HsadError(f"{where}: {value} must be odd")
            return number
        if self.kind == "choice":
            if value not in self.choices:
                raise HsadError(f"{where}: '{value}' is not one of {', '.join(self.choices)}")
            return value
        if self.kind == "folder":
            return str(value)
        raise ValueError(f"unknown option kind {self.kind}")
