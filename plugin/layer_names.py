"""Layer names that fit the Layers panel, and the abstracts that say the rest.

QGIS's Layers panel shows about 25 characters of a layer's (bold) name at its default width:
``abu-airport-2 score · twobranch`` showed as ``abu-airport-2 score · two``
(:data:`PANEL_SHOWS`), cutting exactly what tells the layers of one scene apart. So names start
with what a layer is and which method made it, and end with the scene: ``score · rx ·
harbour``, ``mask · rx · harbour``, ``objects · twobranch · harbour`` (the longest start,
``objects · twobranch · ``, is narrower than :data:`PANEL_SHOWS` in QGIS's font:
tests/plugin/test_layer_names.py measures both). The method is its *name* (``twobranch``,
``rx``, ``lrx``, ``ferd``): the word users type for
``--method`` and METHOD, and the one the score band's legend shows. A long scene name is
shortened in the middle (its start and its end, often a date or a tile, stay). The full scene,
the method's description and the parameters go into the layer's abstract, shown in the layer's
tooltip and in Layer Properties > Information.
"""
from __future__ import annotations

import os
from ..engine.methods import detector_class
from ..engine.errors import HsadError
from ..engine.provenance import read_provenance

PANEL_SHOWS = "abu-airport-2 score · two"  # what QGIS 3.22's panel showed of a name by default
SCENE_CHARS = 16  # longest scene part of a name
ELLIPSIS = "…"
SEPARATOR = " · "


def short_scene(scene: str, limit: int = SCENE_CHARS) -> str:
    """The scene's name, shortened in the middle to ``limit`` characters when longer."""
    if len(scene) <= limit:
        return scene
    tail = (limit - 1) // 3
    return scene[:limit - 1 - tail] + ELLIPSIS + scene[len(scene) - tail:]


def scene_name(path: str) -> str:
    """A file's name without folder and extension."""
    return os.path.splitext(os.path.basename(path))[0]


def layer_name(scene: str, kind: str, method: str = "", shorten: bool = True) -> str:
    """'<kind> · <method> · <scene>' (kind: score, mask, objects): what tells layers apart
    first (``shorten=False``: with the whole scene name, for the layer's title)."""
    return SEPARATOR.join([kind] + ([method] if method else []) +
                          [short_scene(scene) if shorten else scene])


def method_description(method: str) -> str:
    """'<name>: <label>, <summary>' (FERS and the other acronyms are spelled out there)."""
    try:
        cls = detector_class(method)
    except HsadError:
        return method
    return f"{method}: {cls.label}, {cls.summary}"


def score_abstract(score_path: str) -> str:
    """What made a score raster, from its hsad metadata, for the layer's abstract."""
    made = read_provenance(score_path)
    if not made.made_by_hsad:
        return f"Anomaly scores in {score_path} (no hsad metadata: made elsewhere)."
    lines = [f"Anomaly scores of {made.source or 'an unknown scene'} (higher = more unusual).",
             f"Method {method_description(made.method)}."]
    if made.parameters:
        settings = ", ".join(f"{k} {v}" for k, v in sorted(made.parameters.items()))
        lines.append(f"Parameters: {settings}.")
    lines.append(f"Model version {made.model_version or 'none (no learned model)'}, device "
                 f"{made.device or 'cpu'}, hsad {made.hsad_version or '?'}. File: {score_path}")
    lines.append("Style: transparent below the 99th percentile of the scores, opaque magenta "
                 "from the 99.9th (what the default threshold, a 1e-3 false-alarm rate, flags).")
    return "\n".join(lines)


def threshold_abstract(kind: str, output: str, score_path: str, rule: str,
                       mask_pixels: int, valid_pixels: int, objects: int) -> str:
    """What a mask or objects layer holds and how it was thresholded, for its abstract."""
    made = read_provenance(score_path)
    what = "Anomaly mask (1 = anomaly)" if kind == "mask" else "Anomaly objects (object 1 has " \
        "the highest peak score)"
    origin = f"scores of {made.source or 'an unknown scene'} by " \
        f"{method_description(made.method)}" \
        if made.made_by_hsad else "scores made elsewhere"
    return (f"{what} from {score_path} ({origin}).\nThreshold: {rule}; {mask_pixels} of "
            f"{valid_pixels} valid pixels in {objects} objects.\nFile: {output}")


def names_for_score(score_path: str) -> tuple:
    """(scene, method) to name the layers made from a score raster: from its hsad metadata,
    else the score file's own name and no method."""
    made = read_provenance(score_path)
    if not made.source:
        return scene_name(score_path), made.method
    return scene_name(made.source), made.method

