"""``python -m hsad.models.grid_size_rx``: what the canonical band grid's size costs RX alone.

Global RX on each labelled scene after resampling onto grids of several sizes (the way the
detector places bands: by relative position for the MATLAB scenes), next to RX on the scene's
own bands. It answers whether a finer grid would keep what the 32-band grid smooths away,
without training anything.
"""
from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

import numpy as np

from .training_data import DEFAULT_REAL

GRID_SIZES = (16, 24, 32, 48, 64, 96)


def grid_rx_table(scenes: dict, sizes: Sequence[int] = GRID_SIZES) -> dict:
    """{row: {scene: ROC AUC}}: ``native`` and one row per grid size."""
    from ..engine.metrics import auc_roc
    from .evaluation import rx_original
    from .spectral_grid import BandGrid
    table: dict = {"native": {}, **{str(n): {} for n in sizes}}
    for name, (cube, truth) in scenes.items():
        table["native"][name] = auc_roc(rx_original(cube), truth)
        pixels = cube.reshape(-1, cube.shape[2]).astype(np.float64)
        for n in sizes:
            grid = (pixels @ BandGrid(bands=n).matrix(cube.shape[2]).T).astype(np.float32)
            table[str(n)][name] = auc_roc(rx_original(grid.reshape(*cube.shape[:2], n)), truth)
    return table


def markdown(table: dict) -> str:
    from .cv_report import SHORT
    scenes = list(table["native"])
    lines = ["| RX on | " + " | ".join(SHORT.get(s, s) for s in scenes) + " | mean |",
             "|---|" + "---:|" * (len(scenes) + 1)]
    for row, per in table.items():
        label = "the scene's own bands" if row == "native" else f"{row}-band grid"
        lines.append(f"| {label} | " + " | ".join(f"{per[s]:.4f}" for s in scenes) +
                     f" | **{np.mean(list(per.values())):.4f}** |")
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--real", default=DEFAULT_REAL)
    args = parser.parse_args(argv)
    from .evaluation import labelled_scenes_for
    scenes = labelled_scenes_for("grid_size_rx", args.real)
    if scenes is None:
        return 2
    print(markdown(grid_rx_table(scenes)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
