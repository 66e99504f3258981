"""What every hsad algorithm promises: batch and cancel flags, help for every parameter, models."""
from __future__ import annotations

import html

import numpy as np
import pytest
from qgis.core import QgsProcessingAlgorithm

from hsad.engine.methods import detector_class, method_names
from plugin_helpers import write_raster
from support import write_cube

ALGORITHMS = ("hsad:detect", "hsad:detectpretrained", "hsad:detectfolder", "hsad:threshold",
              "hsad:evaluate", "hsad:target")


def algorithm(algorithm_id):
    from qgis.core import QgsApplication
    found = QgsApplication.processingRegistry().algorithmById(algorithm_id)
    assert found is not None, algorithm_id
    return found


@pytest.mark.parametrize("algorithm_id", ALGORITHMS)
def test_batch_cancel_and_help_for_every_parameter(hsad_plugin, algorithm_id):
    alg = algorithm(algorithm_id)
    assert alg.flags() & QgsProcessingAlgorithm.FlagSupportsBatch
    assert alg.flags() & QgsProcessingAlgorithm.FlagCanCancel
    help_text = html.unescape(alg.shortHelpString())
    for parameter in alg.parameterDefinitions():
        assert parameter.help().strip(), f"{algorithm_id} {parameter.name()} has no help"
        assert parameter.help() in help_text or parameter.help()[:40] in help_text
    assert alg.shortDescription()


def test_the_contract_covers_every_algorithm_of_the_provider(hsad_plugin):
    from qgis.core import QgsApplication
    provider = QgsApplication.processingRegistry().providerById("hsad")
    assert sorted(a.id() for a in provider.algorithms()) == sorted(ALGORITHMS)


@pytest.mark.parametrize("method", method_names())
def test_every_method_and_its_options_are_offered(hsad_plugin, method):
    """METHOD lists the method by label and name; each of its options is a parameter of detect and
    detectfolder, with the detector class's default, and a flag of the command line."""
    from hsad.engine.cli.main import build_parser
    for algorithm_id in ("hsad:detect", "hsad:detectfolder"):
        alg = algorithm(algorithm_id)
        definition = alg.parameterDefinition("METHOD")
        assert f"{detector_class(method).label.split(' (')[0]} ({method})" in definition.options()
        assert definition.usesStaticStrings()
        for option in detector_class(method).options:
            parameter = alg.parameterDefinition(option.processing_name)
            assert parameter is not None, (algorithm_id, option.name)
            assert parameter.defaultValue() == option.default
            assert option.help in parameter.help()
    detect_help = build_parser()._subparsers._group_actions[0].choices["detect"].format_help()
    for option in detector_class(method).options:
        assert option.cli_flag in detect_help


@pytest.mark.parametrize("algorithm_id", ALGORITHMS)
def test_algorithms_are_listed_in_the_provider(hsad_plugin, algorithm_id):
    from qgis.core import QgsApplication
    provider = QgsApplication.processingRegistry().providerById("hsad")
    assert algorithm_id in [a.id() for a in provider.algorithms()]
    assert algorithm(algorithm_id).group() == "Anomaly detection"


def test_detect_then_threshold_as_a_model(hsad_plugin, tmp_path, cube_and_truth):
    """What the Model Designer builds: detect's score feeds threshold; objects are the output."""
    import processing
    from osgeo import ogr
    from qgis.core import (QgsProcessingModelAlgorithm, QgsProcessingModelChildAlgorithm,
                           QgsProcessingModelChildParameterSource as Source,
                           QgsProcessingModelOutput, QgsProcessingModelParameter,
                           QgsProcessingParameterRasterLayer)
    cube, truth = cube_and_truth
    src = write_cube(tmp_path / "scene.tif", cube)
    model = QgsProcessingModelAlgorithm("detect and outline", "hsad tests")
    model.addModelParameter(QgsProcessingParameterRasterLayer("scene", "Scene"),
                            QgsProcessingModelParameter("scene"))
    detect = QgsProcessingModelChildAlgorithm("hsad:detect")
    detect.setChildId("detect")
    detect.addParameterSources("INPUT", [Source.fromModelParameter("scene")])
    detect.addParameterSources("METHOD", [Source.fromStaticValue("rx")])
    model.addChildAlgorithm(detect)
    outline = QgsProcessingModelChildAlgorithm("hsad:threshold")
    outline.setChildId("outline")
    outline.addParameterSources("INPUT", [Source.fromChildOutput("detect", "OUTPUT")])
    outline.addParameterSources("RULE", [Source.fromStaticValue("top")])  # top-N
    outline.addParameterSources("TOP_N", [Source.fromStaticValue(3)])
    outline.addParameterSources("PERCENTILE", [Source.fromStaticValue(99.0)])
    output = QgsProcessingModelOutput("objects", "Objects")
    output.setChildOutputName("OBJECTS")
    outline.setModelOutputs({"objects": output})
    model.addChildAlgorithm(outline)
    target = tmp_path / "objects.gpkg"
    # the model's output parameter: "outline:objects" up to QGIS 3.3x, "objects" in 3.40 and later
    name = model.outputDefinitions()[0].name()
    results = processing.run(model, {"scene": src, name: str(target)})
    assert results[name] == str(target)
    ds = ogr.Open(str(target))
    centroids = sorted((f["centroid_x"], f["centroid_y"]) for f in ds.GetLayer(0))
    ds = None
    targets = sorted((500000.0 + (c + 0.5) * 30.0, 4100000.0 - (r + 0.5) * 30.0)
                     for r, c in zip(*np.nonzero(truth)))
    np.testing.assert_allclose(centroids, targets, atol=30.0)  # each object on its target


def test_model_can_be_saved_and_reloaded(hsad_plugin, tmp_path):
    from qgis.core import QgsProcessingModelAlgorithm, QgsProcessingModelChildAlgorithm
    model = QgsProcessingModelAlgorithm("roundtrip", "hsad tests")
    for child_id in ("hsad:detect", "hsad:threshold", "hsad:evaluate"):
        child = QgsProcessingModelChildAlgorithm(child_id)
        model.addChildAlgorithm(child)
    path = str(tmp_path / "m.model3")
    assert model.toFile(path)
    loaded = QgsProcessingModelAlgorithm()
    assert loaded.fromFile(path)
    assert sorted(c.algorithmId() for c in loaded.childAlgorithms().values()) == \
        ["hsad:detect", "hsad:evaluate", "hsad:threshold"]
    assert all(c.algorithm() is not None for c in loaded.childAlgorithms().values())


def test_threshold_needs_at_least_one_output(hsad_plugin, tmp_path):
    from qgis.core import QgsProcessingContext
    score = write_raster(tmp_path / "s.tif", np.arange(20, dtype=np.float32).reshape(4, 5))
    ok, message = algorithm("hsad:threshold").checkParameterValues(
        {"INPUT": score, "MASK": None, "OBJECTS": None}, QgsProcessingContext())
    assert not ok and "at least one output" in message
