"""Walking a scene tile by tile, with a halo of context, progress and cancel.

Memory stays bounded by the tile size whatever the scene size. A tile's halo (context pixels
read around it, clipped at the scene edge) lets convolutional and windowed detectors score the
tile's core exactly as they would score the whole scene at once.
"""
from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Optional

from .errors import Cancelled

# Tile side in pixels when the user names none (memory grows with its square).
DEFAULT_TILE_SIZE = 256

# progress(fraction_done) -> keep going?  QGIS feedback, tqdm and Dask all adapt to this.
Progress = Callable[[float], bool]


@dataclass(frozen=True)
class Tile:
    """A core window of the scene and the larger window read around it."""

    row: int
    col: int
    rows: int
    cols: int
    read_row: int
    read_col: int
    read_rows: int
    read_cols: int

    @property
    def core(self) -> tuple:
        """Slices selecting the core inside the array read for this tile."""
        r0, c0 = self.row - self.read_row, self.col - self.read_col
        return slice(r0, r0 + self.rows), slice(c0, c0 + self.cols)


# A strip's read window may be this many times a square tile's (see tile_shape).
STRIP_FACTOR = 4


def tile_shape(rows: int, cols: int, tile_size: int, halo: int = 0, multiple: int = 1,
               strips: bool = True) -> tuple:
    """(core rows, core cols) of the tiles :func:`tiles` walks.

    Raster files store whole lines (ENVI's BIL and BSQ, GeoTIFF strips), so a window narrower
    than the scene reads each line once per tile across it: full-width strips of about the
    area of a ``tile_size`` square read every line once. With a halo the strips are at least
    4 x halo rows high (the halo rows read twice stay a third of the strip window; 8 x halo
    read a fifth fewer lines but made a 2048-wide scene's windows twice a 1024-wide one's, and
    the peak memory with them), as long as the strip's window stays within ``STRIP_FACTOR``
    times a square tile's; scenes wider than that,
    and detectors whose memory grows with the tile's width (``strips=False``), are walked in
    squares. Heights are multiples of ``multiple`` (block methods).
    """
    if tile_size < 1:
        raise ValueError("tile_size must be positive")
    area, cols = tile_size * tile_size, max(cols, 1)
    strip = max(1, area // cols, 4 * halo)
    strip = max(multiple, strip - strip % multiple)
    if halo == 0 or strips and \
            (min(strip, rows) + 2 * halo) * cols <= STRIP_FACTOR * (tile_size + 2 * halo) ** 2:
        return strip, cols
    return tile_size, tile_size


def tiles(rows: int, cols: int, tile_size: int, halo: int = 0, multiple: int = 1,
          strips: bool = True) -> list:
    """Tiles covering a rows x cols scene in row-major order (shapes: :func:`tile_shape`)."""
    step_r, step_c = tile_shape(rows, cols, tile_size, halo, multiple, strips)
    out = []
    for r in range(0, rows, step_r):
        for c in range(0, cols, step_c):
            h, w = min(step_r, rows - r), min(step_c, cols - c)
            r0, c0 = max(0, r - halo), max(0, c - halo)
            r1, c1 = min(rows, r + h + halo), min(cols, c + w + halo)
            out.append(Tile(r, c, h, w, r0, c0, r1 - r0, c1 - c0))
    return out


class ProgressSteps:
    """Splits one progress callback over several passes and raises :class:`Cancelled` on stop."""

    def __init__(self, progress: Optional[Progress], weights: tuple = (1.0,)):
        self._progress = progress
        total = float(sum(weights)) or 1.0
        self._spans = [w / total for w in weights]
        self._start = 0.0
        self._step = 0

    def walk(self, items: list) -> Iterator:
        """Yield items, reporting progress through the current pass; then move to the next."""
        span = self._spans[min(self._step, len(self._spans) - 1)]
        n = max(len(items), 1)
        self.report(self._start)
        for i, item in enumerate(items):
            yield item
            self.report(self._start + span * (i + 1) / n)
        self._start += span
        self._step += 1

    def report(self, fraction: float) -> None:
        if self._progress is not None and self._progress(min(max(fraction, 0.0), 1.0)) is False:
            raise Cancelled()


def read_ahead(items: Iterable, read: Callable, workers: int = 1) -> Iterator[tuple]:
    """(item, read(item)) for each item, in order, the next items' reads already running on
    ``workers`` other threads while the caller works on this one: GDAL and numpy release the
    GIL while they work, so reading (and computing features) overlaps the caller's arithmetic.
    At most ``workers`` + 1 items are read ahead; an error in a read is raised here, in order;
    a caller that stops early waits for the reads in flight to end. With several workers,
    ``read`` must serialise its use of one GDAL dataset (a dataset is not thread-safe)."""
    source = iter(items)
    pending: deque = deque()
    with ThreadPoolExecutor(max(1, workers), initializer=_quiet_gdal) as pool:
        for item in source:
            pending.append((item, pool.submit(read, item)))
            if len(pending) > workers:
                break
        while pending:
            item, future = pending.popleft()
            result = future.result()
            following = next(source, _END)
            if following is not _END:
                pending.append((following, pool.submit(read, following)))
            yield item, result


_END = object()


def _quiet_gdal() -> None:
    """A reading thread raises GDAL's errors as exceptions and keeps its warnings off the
    terminal, as the command line's main thread does (GDAL's handlers are per thread)."""
    from .gdal_env import gdal
    try:
        gdal().PushErrorHandler("CPLQuietErrorHandler")
    except ImportError:
        pass
