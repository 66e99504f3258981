"""Choice parameters that read as words in the dialog and as names in scripts.

QGIS's enum widget shows exactly the strings a static-string enum stores, so a list of names
(``twobranch, rx, lrx, ferd``) is what users saw. Here each option is a readable label that
ends with the name in brackets (``Global RX (rx)``); the dialog, the batch dialog and the Model
Designer show and store that label. Scripts, ``qgis_process`` and models saved before keep
passing the bare name (``METHOD=rx``) or the option's index:
:meth:`HsadAlgorithm.checkParameterValues` turns any of them into the label before QGIS checks
it, and :meth:`HsadAlgorithm.choice` reads the name back from whichever form arrives. A label
may carry a note after the name (``(ferd) - cannot run here: ...``): a choice is found by its
name in brackets, so the note can change freely.
"""
from __future__ import annotations

import re
from typing import Optional, Sequence

_NAME = re.compile(r"\(([A-Za-z0-9_]+)\)")


class Choices:
    """The options of one choice parameter: (name, label) pairs in the order users see."""

    def __init__(self, pairs: Sequence[tuple], default: str):
        self.pairs = [(name, f"{label} ({name})" + (f" - {note}" if note else ""))
                      for name, label, note in (_with_note(p) for p in pairs)]
        self.default = default
        for _, label in self.pairs:  # QGIS reads "a,b" as two options of a static-string enum
            if "," in label:
                raise ValueError(f"a choice label cannot hold a comma: {label!r}")

    @property
    def names(self) -> list:
        return [name for name, _ in self.pairs]

    @property
    def labels(self) -> list:
        return [label for _, label in self.pairs]

    def label(self, name: str) -> str:
        return dict(self.pairs)[name]

    def name_of(self, value) -> Optional[str]:
        """The name meant by a value: a name, a label (even with another note), an index."""
        if value is None or (hasattr(value, "isNull") and value.isNull()):
            return None
        if isinstance(value, (list, tuple)):
            return self.name_of(value[0]) if len(value) == 1 else None
        text = str(value).strip()
        if text in self.names:
            return text
        if text.isdigit() and int(text) < len(self.pairs):
            return self.pairs[int(text)][0]
        named = [n for n in _NAME.findall(text) if n in self.names]
        return named[-1] if named else None


def _with_note(pair: tuple) -> tuple:
    return pair if len(pair) == 3 else (pair[0], pair[1], "")
