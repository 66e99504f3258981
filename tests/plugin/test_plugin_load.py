"""The plugin loads through classFactory, registers its provider and runs hsad:detect."""
from __future__ import annotations

import gc

import numpy as np
import pytest

from support import write_cube


class FakeIface:
    """What QGIS passes to classFactory: hsad keeps it and adds its Plugins menu entries."""

    def __init__(self):
        self.menus: dict = {}

    def mainWindow(self):  # noqa: N802
        return None

    def addPluginToMenu(self, menu, action):  # noqa: N802
        self.menus.setdefault(menu, []).append(action)

    def removePluginMenu(self, menu, action):  # noqa: N802
        self.menus[menu].remove(action)


@pytest.fixture
def plugin(qgis_processing):
    import hsad
    from qgis.core import QgsApplication
    instance = hsad.classFactory(FakeIface())
    instance.initProcessing()
    yield instance
    instance.unload()
    assert QgsApplication.processingRegistry().providerById("hsad") is None


def test_class_factory_registers_provider_that_survives_gc(plugin):
    from qgis.core import QgsApplication
    gc.collect()
    registry = QgsApplication.processingRegistry()
    provider = registry.providerById("hsad")
    assert provider is not None
    assert provider.longName().startswith("Hyperspectral anomaly detection")
    ids = [a.id() for a in provider.algorithms()]
    assert "hsad:detect" in ids
    assert registry.algorithmById("hsad:detect") is not None


def test_init_gui_is_idempotent(plugin):
    from qgis.core import QgsApplication
    plugin.initGui()
    providers = [p for p in QgsApplication.processingRegistry().providers() if p.id() == "hsad"]
    assert len(providers) == 1


def test_processing_run_global_rx_on_envi_cube(plugin, tmp_path, cube_and_truth):
    import processing
    import rasterio
    cube, truth = cube_and_truth
    src = write_cube(tmp_path / "scene.img", cube, driver="ENVI", interleave="BIL",
                     dtype="int16", wavelengths=np.linspace(400, 2400, cube.shape[2]))
    out = str(tmp_path / "score.tif")
    result = processing.run("hsad:detect", {"INPUT": src, "METHOD": "rx", "OUTPUT": out})
    assert result["OUTPUT"] == out
    with rasterio.open(out) as score, rasterio.open(src) as scene:
        assert score.dtypes == ("float32",)
        assert score.crs == scene.crs and score.crs.to_epsg() == 32633
        assert score.transform == scene.transform
        assert (score.width, score.height) == (scene.width, scene.height)
        values = score.read(1)
    # the three implanted pixels are the three highest scores
    top3 = np.argsort(values.ravel())[-3:]
    assert set(top3) == set(np.flatnonzero(truth.ravel()))
