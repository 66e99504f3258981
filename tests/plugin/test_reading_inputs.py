"""Inputs as Processing resolves them: the exact file named (a '|' in its name), names that are
not UTF-8, and scores placed by GCPs or RPCs where QGIS places their scene."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from support import REPO, write_cube

sys.path.insert(0, str(REPO / "tests" / "engine" / "reliability"))
import makers_reading  # noqa: E402


def _cube(seed: int) -> np.ndarray:
    return (100 + 10 * np.random.default_rng(seed).standard_normal((12, 10, 6))).astype("f4")


def test_a_pipe_in_the_file_name_scores_that_file(hsad_plugin, tmp_path):
    """QGIS reads 'a|b.tif' as file 'a' with options 'b.tif': the algorithm must not."""
    import processing
    from hsad.engine.provenance import read_provenance
    named = write_cube(tmp_path / "a|b.tif", _cube(0))
    write_cube(tmp_path / "a", _cube(1))  # what QGIS would open instead
    out = tmp_path / "out.tif"
    processing.run("hsad:detect", {"INPUT": named, "METHOD": "rx", "OUTPUT": str(out)})
    assert read_provenance(str(out)).source == os.path.abspath(named)


def test_a_layer_whose_source_was_cut_at_a_pipe_is_refused(hsad_plugin, tmp_path):
    import processing
    from qgis.core import QgsProcessingException, QgsProject, QgsRasterLayer
    named = write_cube(tmp_path / "a|b.tif", _cube(0))
    write_cube(tmp_path / "a", _cube(1))
    layer = QgsRasterLayer(named, "cut")
    assert layer.isValid()
    QgsProject.instance().addMapLayer(layer)
    try:
        with pytest.raises(QgsProcessingException, match=r"reads the '\|' in this file name"):
            processing.run("hsad:detect", {"INPUT": layer, "METHOD": "rx",
                                           "OUTPUT": str(tmp_path / "out.tif")})
    finally:
        QgsProject.instance().removeAllMapLayers()
    assert not (tmp_path / "out.tif").exists()


def test_a_folder_with_a_name_that_is_not_utf8_is_batched_with_its_summary(hsad_plugin,
                                                                           tmp_path):
    import processing
    folder = tmp_path / "in"
    folder.mkdir()
    write_cube(folder / "good.tif", _cube(0))
    makers_reading.undecodable(folder, b"sc\xe8ne.tif", _cube(2))
    out = tmp_path / "out"
    result = processing.run("hsad:detectfolder", {"INPUT": str(folder), "METHOD": "rx",
                                                  "OUTPUT": str(out)})
    assert os.path.isfile(out / "summary.csv") and result
    names = sorted(os.listdir(os.fsencode(str(out))))
    assert b"sc\xe8ne_rx.tif" in names and b"good_rx.tif" in names


@pytest.mark.parametrize("rpc", [False, True], ids=["gcp-only", "rpc-only"])
def test_qgis_places_the_score_where_it_places_the_scene(hsad_plugin, tmp_path, rpc):
    import processing
    from qgis.core import QgsRasterLayer
    scene = makers_reading.gcp_tif(Path(tmp_path), "placed.tif", rpc=rpc)
    out = tmp_path / "out.tif"
    processing.run("hsad:detect", {"INPUT": str(scene), "METHOD": "rx", "OUTPUT": str(out)})
    source, score = QgsRasterLayer(str(scene), "scene"), QgsRasterLayer(str(out), "score")
    assert source.isValid() and score.isValid()
    assert source.crs() == score.crs() and source.crs().isValid()
    assert score.extent() == source.extent() and source.extent().width() > 0
