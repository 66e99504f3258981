"""The styled score layer as QGIS draws it: targets stand out on any background, the rest of the
map shows through unchanged.

The score is made by the product (``detect_scene`` writes the raster and its ``.qml``), opened as
QGIS opens any file (the side-car style applies by itself) and rendered headless, one map pixel
per raster pixel, over white, black and the light land colour of an OpenStreetMap basemap, and
over the scene itself.
"""
from __future__ import annotations

import numpy as np
import pytest

from support import scene_with_targets, write_cube

TARGETS = ((8, 9), (20, 50), (41, 17), (55, 60), (30, 33), (62, 5))
BACKGROUNDS = {"white": (255, 255, 255), "black": (0, 0, 0), "osm land": (242, 239, 233)}
CLEARLY = 100  # at least this much apart in some channel (of 255): plainly visible


@pytest.fixture(scope="module")
def score_file(tmp_path_factory):
    """(score raster with its .qml, truth) of a 70 x 72 scene with six implanted targets."""
    from hsad.engine.pipeline import DetectParameters, detect_scene
    folder = tmp_path_factory.mktemp("rendering")
    cube, truth = scene_with_targets(rows=70, cols=72, bands=30, seed=5, targets=TARGETS)
    scene = write_cube(folder / "scene.tif", cube)
    score = str(folder / "score.tif")
    detect_scene(scene, score, DetectParameters(method="rx"))
    return score, truth, scene


def render(score: str, background: tuple, under: str = "") -> np.ndarray:
    """(rows, cols, 3) uint8: the score file as QGIS opens it (side-car style applied), drawn
    over a plain background (and over the raster ``under``, in QGIS's default style), a map
    pixel per raster pixel; ``score=''`` draws what lies under it alone."""
    from qgis.core import QgsRasterLayer
    layers = [QgsRasterLayer(path, path) for path in (score, under) if path]
    try:
        if score:
            assert layers[0].isValid()
            assert layers[0].renderer().type() == "singlebandpseudocolor"
        return _draw(layers, background)
    finally:
        del layers  # a layer alive when QGIS exits crashes the test process


def _draw(layers: list, background: tuple) -> np.ndarray:
    from qgis.core import QgsMapRendererSequentialJob, QgsMapSettings
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor, QImage
    layer = layers[0]
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(layer.crs())
    settings.setExtent(layer.extent())
    settings.setOutputSize(QSize(layer.width(), layer.height()))
    settings.setBackgroundColor(QColor(*background))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage().convertToFormat(QImage.Format.Format_RGBA8888)
    assert (image.width(), image.height()) == (layer.width(), layer.height())
    bits = image.constBits()
    bits.setsize(image.sizeInBytes())
    rows = np.frombuffer(bits, np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, :4 * image.width()].reshape(image.height(), image.width(), 4)[:, :, :3].copy()


@pytest.mark.parametrize("name", list(BACKGROUNDS))
def test_targets_stand_out_and_the_background_shows_through(qgis_app, score_file, name):
    score, truth, _ = score_file
    colour = np.array(BACKGROUNDS[name], np.int16)
    image = render(score, BACKGROUNDS[name]).astype(np.int16)
    assert_overlay_reads(image, np.broadcast_to(colour, image.shape), truth)


def test_over_the_scene_targets_are_covered_and_the_rest_untouched(qgis_app, score_file):
    """The scene (QGIS's default colour rendering) does not show through the targets, which look
    as they do on a white map, and shows unchanged everywhere else."""
    score, truth, scene = score_file
    underneath = render("", BACKGROUNDS["white"], under=scene).astype(np.int16)
    assert underneath.std() > 10  # the scene drew: not a blank map
    image = render(score, BACKGROUNDS["white"], under=scene).astype(np.int16)
    on_white = render(score, BACKGROUNDS["white"]).astype(np.int16)
    assert (np.abs(image[truth] - on_white[truth]).max(axis=1) <= 10).all()
    unchanged = (np.abs(image - underneath).max(axis=2)[~truth] == 0).mean()
    assert unchanged >= 0.98, f"only {unchanged:.1%} of the scene's pixels are unchanged"


def assert_overlay_reads(image: np.ndarray, underneath: np.ndarray, truth: np.ndarray) -> None:
    """Every target pixel clearly differs from what lies under it; the rest is untouched."""
    difference = np.abs(image - underneath).max(axis=2)
    assert (difference[truth] >= CLEARLY).all(), difference[truth]
    unchanged = (difference[~truth] == 0).mean()
    assert unchanged >= 0.98, f"only {unchanged:.1%} of the background pixels are unchanged"


def test_the_highest_scores_are_saturated_and_opaque(qgis_app, score_file):
    score, truth, _ = score_file
    on_white = render(score, BACKGROUNDS["white"]).astype(np.int16)
    on_black = render(score, BACKGROUNDS["black"]).astype(np.int16)
    top = truth & (np.abs(on_white - on_black).max(axis=2) == 0)  # opaque: same on both
    assert top.sum() >= len(TARGETS) // 2
    chroma = on_white[top].max(axis=1) - on_white[top].min(axis=1)
    assert (chroma >= 200).all()  # a saturated colour, not a pale or a grey one
