"""One model, any band count: labelled scenes re-delivered as if by other sensors.

Each scene is resampled to 64, 102, 190 and 224 bands (by band position): the full range
without wavelengths (placed on the grid by relative position), and a VNIR-only part with and
without wavelengths. Each is scored through the pipeline with the shipped detector; global RX
on the same input is the reference.
"""
from __future__ import annotations

import numpy as np

from ..engine.methods import create_detector
from ..engine.metrics import auc_roc
from ..engine.scenes.scene import ArrayScene
from ..engine.scenes.spectral import SpectralInfo, resampling_matrix
from ..engine.scoring import score_scene
from .scenes import labelled_scenes

NAME = "bands"
BAND_COUNTS = (64, 102, 190, 224)
SCENES = ("sandiego-2", "abu-urban-5", "abu-airport-2")
# A VNIR-only sensor: the first 40 % of the scene's bands, about 400-1250 nm for these AVIRIS
# scenes, delivered once with wavelengths (placed by wavelength, the grid's SWIR bands then
# repeat the last band) and once without (stretched over the whole grid by relative position).
VNIR_FRACTION = 0.4
VNIR_END_NM = 1250.0
COLUMNS = (("full rx", "RX"), ("full twobranch relative", "twobranch"),
           ("vnir rx", "VNIR part: RX"),
           ("vnir twobranch relative", "VNIR: twobranch, by relative position"),
           ("vnir twobranch wavelengths", "VNIR: twobranch, by wavelength"))


def as_sensor(cube: np.ndarray, bands: int) -> np.ndarray:
    """The cube as seen by a sensor with ``bands`` equally spaced bands over the same range."""
    native = cube.shape[2]
    source, target = np.linspace(0, 1, native), np.linspace(0, 1, bands)
    width = np.full(bands, max(1.0 / (bands - 1), 1.0 / (native - 1)))
    w = resampling_matrix(source, target, None, width)
    return (cube.reshape(-1, native).astype(np.float64) @ w.T).reshape(*cube.shape[:2], bands)


def score(cube: np.ndarray, method: str, wavelengths) -> np.ndarray:
    scene = ArrayScene(cube.astype(np.float32), spectral=SpectralInfo(wavelengths_nm=wavelengths))
    out = np.full(cube.shape[:2], np.nan, np.float32)

    def sink(scores, row, col):
        out[row:row + scores.shape[0], col:col + scores.shape[1]] = scores
    score_scene(scene, create_detector(method, device="cpu"), sink)
    return out


def add_arguments(parser) -> None:
    pass


def run(args) -> dict:
    scenes = {s.name: s for s in labelled_scenes(args.real)}
    table = {}
    for name in SCENES:
        cube, truth = scenes[name].cube, scenes[name].truth
        vnir = cube[:, :, :int(round(VNIR_FRACTION * cube.shape[2]))]
        for bands in BAND_COUNTS:
            row = {}
            for part, source in (("full", cube), ("vnir", vnir)):
                sensor = as_sensor(source, bands)
                row[f"{part} rx"] = auc_roc(score(sensor, "rx", None), truth)
                placements = [("relative", None)]
                if part == "vnir":
                    placements.append(("wavelengths", np.linspace(400.0, VNIR_END_NM, bands)))
                for label, wavelengths in placements:
                    row[f"{part} twobranch {label}"] = auc_roc(
                        score(sensor, "twobranch", wavelengths), truth)
            table[f"{name} @ {bands} bands"] = row
    lines = ["| scene @ bands | " + " | ".join(title for _, title in COLUMNS) + " |",
             "|---|" + "---:|" * len(COLUMNS)]
    for name, row in table.items():
        lines.append(f"| {name} | " + " | ".join(f"{row[key]:.4f}" for key, _ in COLUMNS) + " |")
    print("\n".join(lines))
    return {"table": table}
