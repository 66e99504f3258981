"""Noticing a scene file that changes while it is read.

GDAL's raw drivers (ENVI and kin) return zeros for whatever lies past the end of a file, so a
file truncated (or rewritten) by another program while hsad scores it would be scored as zeros
and written out as a result. The size and modification time of every file holding the scene's
pixels are taken at open time and compared after each read: a read that may have seen another
file than the one opened fails, before any output is kept. One ``stat`` per file per read.
"""
from __future__ import annotations

import os

from ..errors import InputError


class FileWatch:
    """The (size, mtime) of files at open time, checked again on demand."""

    def __init__(self, scene: str, files: list):
        self.scene = scene
        self._seen = {f: _signature(f) for f in files}

    def check(self) -> None:
        """Raise InputError when a watched file changed since the scene was opened."""
        for path, before in self._seen.items():
            now = _signature(path)
            if now == before:
                continue
            which = "" if path == self.scene else f" (its source {path})"
            if now is None:
                change = "was removed"
            elif now[0] != before[0]:
                change = f"changed size from {before[0]} to {now[0]} bytes"
            else:
                change = "was rewritten"
            raise InputError(f"{self.scene}: the file{which} {change} while hsad read it; no "
                             "output is kept: score it again once it is complete")


def _signature(path: str):
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_size, status.st_mtime_ns
