"""``python -m hsad.models.band_demo``: one model, any band count.

Labelled scenes are re-delivered as if by other sensors with 64, 102, 190 and 224 bands
(resampled by band position): the full range without wavelengths (placed on the grid by
relative position), and a VNIR-only part with and without wavelengths. Each is scored through
the engine pipeline with the shipped weights; global RX on the same input is the reference.
"""
from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from ..engine.detectors.rx import GlobalRX
from ..engine.metrics import auc_roc
from ..engine.pipeline import score_scene
from ..engine.scenes.scene import ArrayScene
from ..engine.scenes.spectral import SpectralInfo, resampling_matrix
from .training_data import DEFAULT_REAL

BAND_COUNTS = (64, 102, 190, 224)
SCENES = ("sandiego-2", "abu-urban-5", "abu-airport-2")
# A VNIR-only sensor: the first 40 % of the scene's bands, about 400-1250 nm for these AVIRIS
# scenes, delivered once with wavelengths (placed by wavelength, the grid's SWIR bands then
# repeat the last band) and once without (stretched over the whole grid by relative position).
VNIR_FRACTION = 0.4
VNIR_END_NM = 1250.0


def as_sensor(cube: np.ndarray, bands: int) -> np.ndarray:
    """The cube as seen by a sensor with ``bands`` equally spaced bands over the same range."""
    native = cube.shape[2]
    source, target = np.linspace(0, 1, native), np.linspace(0, 1, bands)
    width = np.full(bands, max(1.0 / (bands - 1), 1.0 / (native - 1)))
    w = resampling_matrix(source, target, None, width)
    return (cube.reshape(-1, native).astype(np.float64) @ w.T).reshape(*cube.shape[:2], bands)


def _score(cube: np.ndarray, detector, wavelengths) -> np.ndarray:
    spectral = SpectralInfo(wavelengths_nm=wavelengths)
    scene = ArrayScene(cube.astype(np.float32), spectral=spectral)
    out = np.full(cube.shape[:2], np.nan, np.float32)

    def sink(scores, row, col):
        out[row:row + scores.shape[0], col:col + scores.shape[1]] = scores

    score_scene(scene, detector, sink)
    return out


def run(real: str, weights=None) -> dict:
    """{scene @ bands: {column: AUC}} for full-range and VNIR-only versions of each scene."""
    from .detector import load_detector
    from .evaluation import labelled_scenes
    scenes = labelled_scenes(real)
    table = {}
    for name in SCENES:
        cube, truth = scenes[name]
        vnir = cube[:, :, :int(round(VNIR_FRACTION * cube.shape[2]))]
        for bands in BAND_COUNTS:
            row = {}
            for part, source in (("full", cube), ("vnir", vnir)):
                sensor = as_sensor(source, bands)
                row[f"{part} rx"] = auc_roc(_score(sensor, GlobalRX(), None), truth)
                placements = [("relative", None)]
                if part == "vnir":
                    placements.append(("wavelengths", np.linspace(400.0, VNIR_END_NM, bands)))
                for label, wavelengths in placements:
                    detector = load_detector(device="cpu", weights=weights)
                    row[f"{part} twobranch {label}"] = auc_roc(
                        _score(sensor, detector, wavelengths), truth)
            table[f"{name} @ {bands} bands"] = row
    return table


COLUMNS = (("full rx", "RX"), ("full twobranch relative", "twobranch"),
           ("vnir rx", "VNIR part: RX"),
           ("vnir twobranch relative", "VNIR: twobranch, by relative position"),
           ("vnir twobranch wavelengths", "VNIR: twobranch, by wavelength"))


def markdown(table: dict) -> str:
    """The table as docs/model.md shows it."""
    lines = ["| scene @ bands | " + " | ".join(title for _, title in COLUMNS) + " |",
             "|---|" + "---:|" * len(COLUMNS)]
    for name, row in table.items():
        lines.append(f"| {name} | " + " | ".join(f"{row[key]:.4f}" for key, _ in COLUMNS) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m hsad.models.band_demo", description=__doc__)
    p.add_argument("--real", default=DEFAULT_REAL)
    p.add_argument("--weights", default=None, help="weights folder (default: the shipped one)")
    p.add_argument("--markdown", action="store_true", help="print the table for docs/model.md")
    args = p.parse_args(argv)
    table = run(args.real, args.weights)
    print(markdown(table) if args.markdown else json.dumps(table, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
