"""The detector parameters that 'Detect anomalies' and its folder version share.

One definition of METHOD, DEVICE, TILE_SIZE, the local RX windows and KEEP_BAD_BANDS (names,
defaults, ranges and help), and one translation of them into the engine's DetectParameters, so
the single-scene and folder algorithms cannot drift apart.
"""
from __future__ import annotations

from typing import Optional, Sequence

from qgis.core import (QgsProcessingParameterBoolean, QgsProcessingParameterEnum,
                       QgsProcessingParameterNumber)

from ...engine.detectors import METHODS, method_info
from ...engine.detectors.local_rx import DEFAULT_INNER, DEFAULT_OUTER, check_windows
from ...engine.errors import HsadError
from ...engine.pipeline import DEFAULT_TILE_SIZE, DetectParameters
from ..dependencies import pretrained_problem

DEVICES = ("auto", "cpu", "cuda")

METHOD_HELP = ("Method", "Two-branch pretrained detector: RX on the scene enhanced by a "
               "pretrained spectral and spatial network (no per-scene training; needs PyTorch). "
               "Global RX: squared Mahalanobis distance to the scene mean and covariance. Local "
               "RX: the same against a ring of background around each pixel.")
ADVANCED_HELP = (
    ("Device", "Where the pretrained network runs: auto uses a CUDA GPU when one is usable, "
     "otherwise the CPU. The log says which device was used."),
    ("Tile size", "Pixels per tile side. Memory use grows with its square; results do not "
     "depend on it. Progress and Cancel work tile by tile."),
    ("Local RX windows", "Guard (inner) and outer window sizes in pixels, odd numbers; the "
     "background is the outer window minus the guard window."),
    ("Use bad bands", "Also use bands the file flags as bad (ENVI bbl)."),
    ("Extra nodata value", "A raw file value that also means nodata, in any band, on top of "
     "what the file declares: for files that fill their borders with a value such as -9999 "
     "without saying so. Empty: only the file's own nodata."),
)


def add_method(algorithm) -> None:
    algorithm.add(QgsProcessingParameterEnum("METHOD", "Method",
                                             options=[m.label for m in METHODS], defaultValue=0),
                  help_text=METHOD_HELP[1])


def add_advanced(algorithm) -> None:
    """DEVICE, TILE_SIZE, INNER_WINDOW, OUTER_WINDOW and KEEP_BAD_BANDS, under 'Advanced'."""
    device, tile, windows, bad, nodata = (text for _, text in ADVANCED_HELP)
    integer = QgsProcessingParameterNumber.Integer
    algorithm.add(QgsProcessingParameterEnum("DEVICE", "Device", options=list(DEVICES),
                                             defaultValue=0), advanced=True, help_text=device)
    algorithm.add(QgsProcessingParameterNumber("TILE_SIZE", "Tile size (pixels)", integer,
                                               DEFAULT_TILE_SIZE, minValue=32, maxValue=4096),
                  advanced=True, help_text=tile)
    algorithm.add(QgsProcessingParameterNumber("INNER_WINDOW", "Local RX guard window (pixels)",
                                               integer, DEFAULT_INNER, minValue=1, maxValue=99),
                  advanced=True, help_text=windows)
    algorithm.add(QgsProcessingParameterNumber("OUTER_WINDOW", "Local RX outer window (pixels)",
                                               integer, DEFAULT_OUTER, minValue=3, maxValue=201),
                  advanced=True, help_text=windows)
    algorithm.add(QgsProcessingParameterBoolean("KEEP_BAD_BANDS", "Use bands flagged as bad",
                                                False), advanced=True, help_text=bad)
    add_nodata(algorithm, nodata)


def add_nodata(algorithm, help_text: str = ADVANCED_HELP[4][1]) -> None:
    """NODATA: the optional extra nodata value, under 'Advanced'."""
    algorithm.add(QgsProcessingParameterNumber("NODATA", "Extra nodata value",
                                               QgsProcessingParameterNumber.Double, None,
                                               optional=True), advanced=True, help_text=help_text)


def extra_nodata(algorithm, parameters, context) -> Optional[float]:
    """The NODATA parameter, or None when it was left empty."""
    value = parameters.get("NODATA")
    if value is None or value == "" or (hasattr(value, "isNull") and value.isNull()):
        return None
    return algorithm.parameterAsDouble(parameters, "NODATA", context)


def method_name(algorithm, parameters, context) -> str:
    return METHODS[algorithm.parameterAsEnum(parameters, "METHOD", context)].name


def method_check(algorithm, parameters, context) -> tuple:
    """(ok, message) before anything runs: the pretrained detector without PyTorch or its
    weights, or local RX windows it cannot use (else every scene of a folder fails alike)."""
    method = method_name(algorithm, parameters, context)
    if method_info(method).needs_torch and pretrained_problem():
        return False, pretrained_problem()
    if method == "lrx":
        try:
            check_windows(algorithm.parameterAsInt(parameters, "INNER_WINDOW", context),
                          algorithm.parameterAsInt(parameters, "OUTER_WINDOW", context))
        except HsadError as exc:
            return False, str(exc)
    return True, ""


def detect_parameters(algorithm, parameters, context,
                      bands: Optional[Sequence[int]] = None) -> DetectParameters:
    """The engine's DetectParameters from the shared Processing parameters."""
    return DetectParameters(
        method=method_name(algorithm, parameters, context), bands=bands or None,
        drop_bad_bands=not algorithm.parameterAsBool(parameters, "KEEP_BAD_BANDS", context),
        tile_size=algorithm.parameterAsInt(parameters, "TILE_SIZE", context),
        device=DEVICES[algorithm.parameterAsEnum(parameters, "DEVICE", context)],
        inner=algorithm.parameterAsInt(parameters, "INNER_WINDOW", context),
        outer=algorithm.parameterAsInt(parameters, "OUTER_WINDOW", context),
        nodata=extra_nodata(algorithm, parameters, context))
