"""Walking a scene tile by tile, with a halo of context, progress and cancel.

Memory stays bounded by the tile size whatever the scene size. A tile's halo (context pixels
read around it, clipped at the scene edge) lets convolutional and windowed detectors score the
tile's core exactly as they would score the whole scene at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Optional

from .errors import Cancelled

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


def tiles(rows: int, cols: int, tile_size: int, halo: int = 0) -> list:
    """Tiles covering a rows x cols scene in row-major order (full-width strips when halo is 0)."""
    if tile_size < 1:
        raise ValueError("tile_size must be positive")
    if halo == 0:
        step_r, step_c = max(1, (tile_size * tile_size) // max(cols, 1)), cols
    else:
        step_r = step_c = tile_size
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
