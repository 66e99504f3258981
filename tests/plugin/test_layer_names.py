"""Layer names fit the Layers panel: what a layer is and which method made it come first, within
the pixels the panel shows at its default width; the Method list reads as words."""
from __future__ import annotations

import pytest

from hsad.plugin.layer_names import PANEL_SHOWS, SEPARATOR, layer_name, method_description, \
    short_scene

LONG = "HyMap02_Berlin_Urban_Gradient_2009"
METHODS = ["twobranch", "rx", "lrx", "ferd"]


def shown_pixels(text: str) -> int:
    """Width of a layer name in the Layers panel's font (layer names are drawn bold)."""
    from qgis.PyQt.QtGui import QFont, QFontMetrics
    from qgis.PyQt.QtWidgets import QApplication
    font = QFont(QApplication.font())
    font.setBold(True)
    metrics = QFontMetrics(font)
    return metrics.horizontalAdvance(text) if hasattr(metrics, "horizontalAdvance") \
        else metrics.width(text)


@pytest.mark.parametrize("method", METHODS)
def test_kind_and_method_stay_within_the_panels_default_width(qgis_app, method):
    names = [layer_name(LONG, kind, method) for kind in ("score", "mask", "objects")]
    for kind, name in zip(("score", "mask", "objects"), names):
        start = f"{kind}{SEPARATOR}{method}{SEPARATOR}"
        assert name.startswith(start)
        assert shown_pixels(start) < shown_pixels(PANEL_SHOWS), start
    # the old order put the scene first: its kind and method fell outside the panel
    assert shown_pixels(f"{short_scene(LONG)} objects · {method}") > shown_pixels(PANEL_SHOWS)


def test_short_names_stay_whole_and_long_ones_keep_start_and_end():
    assert layer_name("harbour", "score", "rx") == "score · rx · harbour"
    short = short_scene(LONG)
    assert len(short) == 16 and short.startswith("HyMap02_") and short.endswith("2009")
    assert layer_name(LONG, "mask", "rx", shorten=False) == f"mask · rx · {LONG}"
    assert layer_name("harbour", "objects") == "objects · harbour"  # scores made elsewhere


def test_the_method_is_its_name_and_its_description_spells_out_fers():
    assert layer_name("harbour", "objects", "twobranch").startswith("objects · twobranch · ")
    text = method_description("twobranch")
    assert text.startswith("twobranch: ") and "Feature-Enhanced Rebellious Student" in text
    assert method_description("rx").startswith("rx: Global RX")


def test_the_method_list_shows_labels_and_scripts_still_pass_names(hsad_plugin):
    from qgis.core import QgsApplication, QgsProcessingContext
    alg = QgsApplication.processingRegistry().algorithmById("hsad:detect")
    options = alg.parameterDefinition("METHOD").options()
    assert options[0].startswith("Pretrained two-branch detector") and \
        options[0].endswith("(twobranch)")
    assert "Global RX (rx)" in options and "Local RX (lrx)" in options
    assert all(o not in ("twobranch", "rx", "lrx", "ferd") for o in options)
    context = QgsProcessingContext()
    base = {"INPUT": __file__, "OUTPUT": "x.tif"}
    for given in ("rx", "Global RX (rx)", 1, "Local RX (lrx)"):
        ok, message = alg.checkParameterValues(dict(base, METHOD=given), context)
        assert "METHOD" not in message, (given, message)
    ok, message = alg.checkParameterValues(dict(base, METHOD="nonsense"), context)
    assert not ok and "METHOD: 'nonsense' is not one of twobranch, rx, lrx, ferd" in message


def test_a_method_that_cannot_run_here_is_marked_in_the_list_and_its_help(monkeypatch,
                                                                          qgis_processing):
    import hsad
    from qgis.core import QgsApplication
    from hsad.engine.methods.ferd.detector import FerdDetector
    from support import FakeIface
    monkeypatch.setattr(FerdDetector, "quick_problem", classmethod(
        lambda cls: "the ferd method needs PyTorch, which this Python cannot import; install "
        "it with: pip install torch"))
    plugin = hsad.classFactory(FakeIface())
    plugin.initProcessing()
    try:
        alg = QgsApplication.processingRegistry().algorithmById("hsad:detect")
        ferd = next(o for o in alg.parameterDefinition("METHOD").options() if "(ferd)" in o)
        assert ferd.endswith(" - cannot run here: the ferd method needs PyTorch")
        assert "Cannot run here: the ferd method needs PyTorch" in \
            alg.parameterDefinition("METHOD").help()
        assert "Global RX (rx)" in alg.parameterDefinition("METHOD").options()
    finally:
        plugin.unload()
