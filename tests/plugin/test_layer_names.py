"""Layer names fit the Layers panel: the score, mask and objects of one scene differ early."""
from __future__ import annotations

import pytest

from hsad.plugin.layer_names import PANEL_CHARS, layer_name, method_description, short_scene

LONG = "HyMap02_Berlin_Urban_Gradient_2009"


@pytest.mark.parametrize("method", ["twobranch", "rx", "lrx", "ferd"])
def test_score_mask_and_objects_differ_within_the_panel_width(method):
    names = [layer_name(LONG, kind, method) for kind in ("score", "mask", "objects")]
    shown = [name[:PANEL_CHARS] for name in names]
    assert len(set(shown)) == 3
    for kind, visible in zip(("score", "mask", "objects"), shown):
        assert f" {kind}" in visible


def test_short_names_stay_whole_and_long_ones_keep_start_and_end():
    assert layer_name("harbour", "score", "rx") == "harbour score · rx"
    short = short_scene(LONG)
    assert len(short) == 16 and short.startswith("HyMap02_") and short.endswith("2009")
    assert layer_name(LONG, "mask", "rx", shorten=False) == f"{LONG} mask · rx"


def test_the_method_is_its_name_and_its_description_spells_out_fers():
    assert layer_name("harbour", "objects", "twobranch").endswith("· twobranch")
    text = method_description("twobranch")
    assert text.startswith("twobranch: ") and "Feature-Enhanced Rebellious Student" in text
    assert method_description("rx").startswith("rx: Global RX")
