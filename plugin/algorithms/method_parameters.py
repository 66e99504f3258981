"""The detection parameters that the detect algorithms share, derived from the method registry.

METHOD lists each method by a readable label ending with its name, ``Global RX (rx)``, and a
method that cannot run here says so in the list (``... (ferd) - cannot run here: needs
PyTorch``); scripts and ``qgis_process`` pass the name (``METHOD=rx``) as before
(:mod:`.choices`). METHOD and DEVICE store names, not positions in a list, so saved models,
scripts and ``qgis_process`` calls keep their meaning when methods are added or reordered. Every
method option (local RX windows, a weights folder, ...) becomes one parameter, named and
described by the detector class that declares it (:mod:`hsad.engine.methods.options`).
"""
from __future__ import annotations

from typing import Optional, Sequence

from qgis.core import (QgsProcessingParameterBoolean, QgsProcessingParameterEnum,
                       QgsProcessingParameterFile, QgsProcessingParameterNumber)

from ...engine.accelerator import DEVICES
from ...engine.methods import (DEFAULT_METHOD, all_options, detector_class, method_names,
                                 method_options)
from ...engine.errors import HsadError
from ...engine.pipeline import DetectParameters
from ...engine.scoring import DEFAULT_TILE_SIZE
from ..qgis_enums import DOUBLE, FOLDER, INTEGER
from .choices import Choices


def method_choices() -> Choices:
    """The methods as the Method list shows them: label (name), and why one cannot run."""
    pairs = []
    for name in method_names():
        cls = detector_class(name)
        problem = cls.quick_problem()
        pairs.append((name, _plain_label(cls.label),
                      "cannot run here: " + _short_reason(problem) if problem else ""))
    return Choices(pairs, DEFAULT_METHOD)


def _plain_label(label: str) -> str:
    """'Local RX' for 'Local RX (dual window)': the list adds the name in brackets (the help
    keeps the whole label)."""
    return label.split(" (")[0]


def _short_reason(problem: str) -> str:
    """The first clause of a problem, for the list (its help and the check give all of it)."""
    return problem.split(";")[0].split(", which")[0].replace(",", "").strip()


def methods_help() -> tuple:
    """(label, text) explaining each method by its name, as the dialog lists them; a method
    that cannot run here ends with why and how to fix it."""
    texts = []
    for name in method_names():
        cls = detector_class(name)
        problem = cls.quick_problem()
        texts.append(f"{name}: {cls.label}, {cls.summary}." +
                     (f" Cannot run here: {problem}" if problem else ""))
    return ("Method", " ".join(texts))


ADVANCED_HELP = (
    ("Device", "Where networks run: cpu (numpy, always available), cuda (PyTorch on an NVIDIA "
     "GPU), or auto (cuda when a GPU and PyTorch are both present, else cpu). The log says "
     "which was used."),
    ("Tile size", "Pixels per tile side. Memory use grows with its square; results do not "
     "depend on it. Progress and Cancel work tile by tile."),
    ("Use bad bands", "Also use bands the file flags as bad (ENVI bbl)."),
    ("Extra nodata value", "A raw file value that also means nodata, in any band, on top of "
     "what the file declares: for files that fill their borders with a value such as -9999 "
     "without saying so. Empty: only the file's own nodata."),
)


def option_help() -> tuple:
    """(label, help) of every method option, for the algorithms' help texts."""
    return tuple((o.label, o.help) for o in all_options())


def add_method(algorithm) -> None:
    algorithm.add_choice("METHOD", "Method", method_choices(), help_text=methods_help()[1])


def add_run_settings(algorithm) -> None:
    """DEVICE, TILE_SIZE, KEEP_BAD_BANDS and NODATA, under 'Advanced'."""
    device, tile, bad, nodata = (text for _, text in ADVANCED_HELP)
    algorithm.add(QgsProcessingParameterEnum("DEVICE", "Device", options=list(DEVICES),
                                             defaultValue="auto", usesStaticStrings=True),
                  advanced=True, help_text=device)
    algorithm.add(QgsProcessingParameterNumber("TILE_SIZE", "Tile size (pixels)",
                                               INTEGER,
                                               DEFAULT_TILE_SIZE, minValue=32, maxValue=4096),
                  advanced=True, help_text=tile)
    algorithm.add(QgsProcessingParameterBoolean("KEEP_BAD_BANDS", "Use bands flagged as bad",
                                                False), advanced=True, help_text=bad)
    algorithm.add(QgsProcessingParameterNumber("NODATA", "Extra nodata value",
                                               DOUBLE, None,
                                               optional=True), advanced=True, help_text=nodata)


def add_method_options(algorithm) -> None:
    """One parameter per method option, under 'Advanced' (its help says which method uses it)."""
    for option in all_options():
        algorithm.add(_parameter(option), advanced=True, help_text=option.help)


def _parameter(option):
    name, label = option.processing_name, option.label
    if option.kind in ("int", "float"):
        kind = INTEGER if option.kind == "int" else DOUBLE
        extra = {}
        if option.minimum is not None:
            extra["minValue"] = option.minimum
        if option.maximum is not None:
            extra["maxValue"] = option.maximum
        return QgsProcessingParameterNumber(name, label, kind, option.default,
                                            optional=option.default is None, **extra)
    if option.kind == "choice":
        return QgsProcessingParameterEnum(name, label, options=list(option.choices),
                                          defaultValue=option.default, usesStaticStrings=True)
    if option.kind == "folder":
        return QgsProcessingParameterFile(name, label,
                                          behavior=FOLDER,
                                          optional=True)
    raise ValueError(f"no Processing parameter for option kind {option.kind}")


def extra_nodata(algorithm, parameters, context) -> Optional[float]:
    """The NODATA parameter, or None when it was left empty."""
    value = parameters.get("NODATA")
    if value is None or value == "" or (hasattr(value, "isNull") and value.isNull()):
        return None
    return algorithm.parameterAsDouble(parameters, "NODATA", context)


def method_name(algorithm, parameters, context) -> str:
    return algorithm.choice(parameters, "METHOD")


def option_values(algorithm, parameters, context) -> dict:
    """The method options as given (empty ones left out: they take their defaults)."""
    values = {}
    for option in all_options():
        name = option.processing_name
        raw = parameters.get(name)
        if raw is None or raw == "" or (hasattr(raw, "isNull") and raw.isNull()):
            continue
        if option.kind == "int":
            values[option.name] = algorithm.parameterAsInt(parameters, name, context)
        elif option.kind == "float":
            values[option.name] = algorithm.parameterAsDouble(parameters, name, context)
        elif option.kind == "choice":
            values[option.name] = algorithm.parameterAsEnumString(parameters, name, context)
        else:
            values[option.name] = algorithm.parameterAsFile(parameters, name, context) or None
    return {k: v for k, v in values.items() if v is not None}


def method_check(algorithm, parameters, context, method: Optional[str] = None) -> tuple:
    """(ok, message) before anything runs: a method that cannot run here (weights or PyTorch
    missing), or options it cannot use (else every scene of a folder fails alike)."""
    method = method or method_name(algorithm, parameters, context)
    try:
        cls = detector_class(method)
        problem = cls.problem()
        if problem:
            return False, problem
        cls.check_options(method_options(method, option_values(algorithm, parameters, context)))
    except HsadError as exc:
        return False, str(exc)
    return True, ""


def detect_parameters(algorithm, parameters, context, bands: Optional[Sequence[int]] = None,
                      method: Optional[str] = None) -> DetectParameters:
    """The engine's DetectParameters from the shared Processing parameters."""
    return DetectParameters(
        method=method or method_name(algorithm, parameters, context), bands=bands or None,
        drop_bad_bands=not algorithm.parameterAsBool(parameters, "KEEP_BAD_BANDS", context),
        tile_size=algorithm.parameterAsInt(parameters, "TILE_SIZE", context),
        device=algorithm.parameterAsEnumString(parameters, "DEVICE", context) or "auto",
        nodata=extra_nodata(algorithm, parameters, context),
        options=option_values(algorithm, parameters, context))
