"""The one rule for every file hsad writes: staged, checked complete, then renamed into place.

Losing a user's data is the worst bug hsad can have, so every output (score rasters and their
ENVI headers, masks, object layers, ``.qml`` styles, JSON, CSV, PNG, batch summaries, weights)
goes through :class:`StagedFile`:

* before any work, the target and every side-car it will have are checked: never an input or
  an input's side-car (by path, symlink or hard link), never an existing file unless the caller
  says overwrite, never a header that another dataset beside it uses;
* the file is written under a hidden temporary name in the target's folder (short enough for any
  file system, whatever the target's name), flushed to disk, checked complete (a failed flush or
  close is an error, never a renamed half file), then renamed over the target, side-cars first;
* on overwrite, the target's stale side-cars (``.aux.xml`` statistics, ``.ovr`` overviews) go
  with it, so QGIS never shows the old file's statistics for the new one;
* on failure or interruption nothing is left: no temporary file, no folder the write created.

What may be replaced, whoever writes (the command line, Processing, a batch, ``hsad train``):

* never an input of the run or an input's side-car, whatever ``overwrite`` says;
* never a symbolic link (replacing it loses the link; writing through it changes what else it
  names), a stream (``/dev/stdout``: see :mod:`.streams`), a FIFO, a device or a folder; the
  refusal never suggests overwrite, which could not help;
* an existing regular file only with ``overwrite`` (the command line's ``--overwrite``), except
  a side-car hsad provably wrote for this output (its own ``.qml``: :mod:`.ownership`), which
  goes with the output it belongs to;
* Processing, whose save dialog asked, adds only a file of the output's own kind
  (:func:`.ownership.check_processing_output`); a batch only files hsad provably wrote
  (:mod:`hsad.engine.batch.existing`).

Temporary files of a process that was killed (``kill -9``, power cut) carry its process id,
host, boot and PID namespace; :func:`remove_leftovers` deletes them when the next run writes the
same target, and only when that process has provably ended: a temporary file of another
container on the same host, or of another host sharing the folder, is left alone.
"""
from __future__ import annotations

import errno
import glob
import json
import os
from typing import Callable, Iterable, Optional, Sequence

from ..errors import OutputError
from ..scenes.checks import file_kind
from .leftovers import PARTIAL_TAG, remove_leftovers, temporary_path  # noqa: F401 (the API)

# Side-cars GDAL and QGIS keep beside a raster: stale ones must not outlive a replaced file.
STALE_SIDE_CARS = (".aux.xml", ".ovr", ".msk")
# What a file is accompanied by, for deciding what an input's side-cars are.
INPUT_SIDE_CAR_SUFFIXES = (".hdr", ".qml", ".aux.xml", ".ovr", ".msk", ".prj", ".tfw", ".wld")


def input_side_cars(path: str) -> list:
    """The files beside an input that belong to it (its header, style, statistics, ...)."""
    stem = os.path.splitext(path)[0]
    return [path + s for s in INPUT_SIDE_CAR_SUFFIXES] + [stem + s for s in INPUT_SIDE_CAR_SUFFIXES]


def protected(inputs: Iterable[str]) -> list:
    """Every existing input file and input side-car, for :func:`check_target`."""
    out = []
    for source in inputs:
        if not source:
            continue
        for path in [source] + input_side_cars(source):
            if os.path.lexists(path) and os.path.isfile(path):
                out.append(path)
    return list(dict.fromkeys(out))


def _same_file(a: str, b: str) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b)
    except OSError:
        return False


def _header_owner(header: str, target: str) -> Optional[str]:
    """Another data file beside ``header`` that an ENVI reader would pair with it ('' if none)."""
    stem = os.path.splitext(header)[0]
    for candidate in glob.glob(glob.escape(stem) + ".*") + [stem]:
        if not os.path.isfile(candidate) or _same_file(candidate, target):
            continue
        if candidate == header or candidate.lower().endswith(INPUT_SIDE_CAR_SUFFIXES):
            continue
        if os.path.basename(candidate).startswith("."):
            continue
        return candidate
    return None


def check_target(path: str, inputs: Sequence[str] = (), overwrite: bool = False,
                 side_cars: Sequence[str] = ()) -> None:
    """Refuse, before any work, a target that would lose data or cannot be written.

    ``side_cars``: other files the write will create or replace (an ENVI header, a style).
    """
    name_bytes = len(os.path.basename(path).encode("utf-8", "surrogateescape"))
    if name_bytes > 255:
        raise OutputError(f"{path}: the file name is {name_bytes} bytes long; file systems allow "
                          "255")
    guarded = protected(inputs)
    for target in [path, *side_cars]:
        for source in guarded:
            if _same_file(target, source):
                what = "is an input file" if target == path else \
                    f"would replace the input file {source}"
                raise OutputError(f"{path}: {what}; choose another output name")
    if os.path.isdir(path) and not os.path.islink(path):
        raise OutputError(f"{path}: is a folder; give a file name for the output")
    for target in [path, *side_cars]:
        _check_replaceable_entry(path, target)
    if os.path.lexists(path) and not overwrite:
        raise OutputError(f"{path}: already exists (use overwrite to replace it)")
    for side in side_cars:
        if side.lower().endswith(".hdr"):
            owner = _header_owner(side, path)
            if owner is not None:
                raise OutputError(f"{path}: its header {side} is the header of {owner}; "
                                  "choose another output name")
        if os.path.lexists(side) and not overwrite and not _own_side_car(side):
            raise OutputError(f"{path}: {side} already exists and would be replaced (use "
                              "overwrite to replace it)")


def _check_replaceable_entry(path: str, target: str) -> None:
    """Refuse a name whose replacement would destroy something other than a regular file: a
    stream, a link, a FIFO or device (renaming over it replaces it, even /dev/null)."""
    from .streams import describe_stream, stream_of
    which = "it" if target == path else target
    fd = stream_of(target)
    if fd is not None:
        raise OutputError(f"{path}: {which} is {describe_stream(fd)}, a stream, not a file; "
                          "this output needs a file name")
    if os.path.islink(target):
        try:
            where = os.readlink(target)
        except OSError:
            where = "?"
        raise OutputError(f"{path}: {which} is a symbolic link (to {where}); hsad neither "
                          "replaces links nor writes through them: name the file itself, or "
                          "remove the link")
    kind = file_kind(target)
    if kind:
        raise OutputError(f"{path}: {which} is {kind}; hsad writes regular files only")


def _own_side_car(side: str) -> bool:
    """A side-car hsad wrote for the output of the same name (its .qml), which goes with it."""
    if not side.lower().endswith(".qml"):
        return False
    from .ownership import is_hsad_style
    return is_hsad_style(side)


class StagedFile:
    """A target written under a temporary name (with the side-cars a writer puts beside it),
    then renamed into place by :meth:`commit`; :meth:`discard` leaves nothing behind."""

    def __init__(self, path: str, inputs: Sequence[str] = (), overwrite: bool = False,
                 side_cars: Sequence[str] = ()):
        check_target(path, inputs, overwrite, side_cars)
        self.path = os.path.abspath(path)
        self.temp = temporary_path(self.path)
        self._temp_stem = os.path.splitext(self.temp)[0]
        self._final_stem = os.path.splitext(self.path)[0]
        self._created = _make_folders(os.path.dirname(self.path))
        self.committed = False
        remove_leftovers(self.path)
        self._remove_temps()

    def temp_for(self, suffix: str) -> str:
        """The temporary name of a side-car ``<target stem><suffix>``."""
        return self._temp_stem + suffix

    def commit(self, verify: Optional[Callable[[str], None]] = None) -> str:
        """Check the temporary file (``verify`` raises if incomplete), flush it to disk and
        rename it (side-cars first) over the target; stale side-cars of the target go."""
        if not os.path.isfile(self.temp):
            raise OutputError(f"{self.path}: nothing was written")
        try:
            if verify is not None:
                verify(self.temp)
            temps = self._temps()
            for temp in temps:
                _fsync(temp)
            for stale in (self.path + s for s in STALE_SIDE_CARS):
                if os.path.lexists(stale) and stale not in {self._final(t) for t in temps}:
                    os.remove(stale)
            for temp in temps:
                if temp != self.temp:
                    os.replace(temp, self._final(temp))
            os.replace(self.temp, self.path)
            _fsync_folder(os.path.dirname(self.path))
        except OSError as exc:
            self.discard()
            raise OutputError(f"{self.path}: cannot be written ({_reason(exc)})") from None
        except BaseException:
            self.discard()
            raise
        self.committed = True
        return self.path

    def discard(self) -> None:
        """Remove the temporary files and the folders this write created (when empty)."""
        self._remove_temps()
        for folder in reversed(self._created):
            try:
                os.rmdir(folder)
            except OSError:
                break
        self._created = []

    def _final(self, temp: str) -> str:
        return self._final_stem + temp[len(self._temp_stem):]

    def _temps(self) -> list:
        found = glob.glob(glob.escape(self._temp_stem) + ".*")
        if os.path.isfile(self._temp_stem):
            found.append(self._temp_stem)
        return sorted(set(found))

    def _remove_temps(self) -> None:
        for temp in self._temps():
            _remove(temp)

    def __enter__(self) -> "StagedFile":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if not self.committed:
            self.discard()


def write_text(path: str, text: str, inputs: Sequence[str] = (), overwrite: bool = False,
               errors: str = "strict") -> str:
    """Write a whole text file (JSON, CSV, QML, a log) by the one rule; returns its path."""
    with StagedFile(path, inputs, overwrite) as staged:
        try:
            with open(staged.temp, "w", encoding="utf-8", errors=errors, newline="") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise OutputError(f"{path}: cannot be written ({_reason(exc)})") from None
        staged.commit()
    return path


def write_json(path: str, payload, inputs: Sequence[str] = (), overwrite: bool = False,
               default: Optional[Callable] = None) -> str:
    """Write JSON by the one rule (``default`` converts what json cannot)."""
    return write_text(path, json.dumps(payload, indent=2, default=default) + "\n", inputs,
                      overwrite)


def write_with(path: str, write: Callable[[str], None], inputs: Sequence[str] = (),
               overwrite: bool = False, verify: Optional[Callable[[str], None]] = None) -> str:
    """Let ``write(temp_path)`` make the file (a PNG, a copy), then check and rename it."""
    with StagedFile(path, inputs, overwrite) as staged:
        try:
            write(staged.temp)
        except OSError as exc:
            raise OutputError(f"{path}: cannot be written ({_reason(exc)})") from None
        staged.commit(verify)
    return path


def _make_folders(folder: str) -> list:
    """Create ``folder`` and its missing parents; returns those created (outermost first)."""
    missing = []
    current = os.path.abspath(folder)
    while current and not os.path.isdir(current):
        if os.path.lexists(current):
            raise OutputError(f"{folder}: cannot create the output folder ({current} is a file)")
        missing.append(current)
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    created = []
    for path in reversed(missing):
        try:
            os.mkdir(path)
        except FileExistsError:
            continue
        except OSError as exc:
            for done in reversed(created):
                try:
                    os.rmdir(done)
                except OSError:
                    break
            raise OutputError(f"{path}: cannot create the output folder ({_reason(exc)})") \
                from None
        created.append(path)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{folder}: output folder is not writable")
    return created


def _fsync(path: str) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_folder(folder: str) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # Windows cannot open folders; its renames are durable enough
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove(path: str) -> bool:
    try:
        os.remove(path)
        return True
    except OSError:
        return False


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "no space left on the device"
    if exc.errno == errno.EDQUOT:
        return "disk quota exceeded"
    return exc.strerror or " ".join(str(exc).split()) or type(exc).__name__
