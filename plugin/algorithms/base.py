"""The small base class every hsad algorithm stands on.

It turns engine errors into one-line ``QgsProcessingException``s, adapts QGIS feedback to the
engine's plain progress callback (so Cancel stops within a tile), and builds help from
(parameter, text) pairs: HTML in the dialog, plain text under ``qgis_process help``.

An algorithm that cannot run here says so in the toolbox. QGIS's toolbox (3.22 to 3.44) never
greys an entry and never asks ``canExecute()`` until one is opened; what it does show is each
algorithm's name, icon and short description (the tooltip). So an algorithm with a
:meth:`~HsadAlgorithm.problem` shows QGIS's own warning icon, ends its name with
"(cannot run here)" and puts the reason and the fix first in its tooltip; ``canExecute()``
repeats them when it is opened.
"""
from __future__ import annotations

import html
import os
from typing import Callable

from qgis.core import (QgsApplication, QgsProcessingAlgorithm, QgsProcessingException,
                       QgsProcessingParameterDefinition)
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from ...engine.errors import Cancelled, HsadError
from ..qgis_enums import ADVANCED, CAN_CANCEL, SUPPORTS_BATCH


class HsadAlgorithm(QgsProcessingAlgorithm):
    """Subclasses set the class attributes and implement ``define`` and ``execute``."""

    algorithm_id = ""
    title = ""
    group_title = "Anomaly detection"
    summary = ""  # one or two sentences shown above the parameter help
    help_items: tuple = ()  # (parameter label, explanation) pairs
    keywords: tuple = ("hyperspectral", "anomaly", "detection", "rx")
    UNAVAILABLE = " (cannot run here)"
    choices: dict = {}  # choice parameter name -> Choices (see choices.py), set by define()
    scene_inputs: tuple = ()  # raster parameters that also take files only the engine reads

    # -- identity -----------------------------------------------------------------------------
    def name(self) -> str:
        return self.algorithm_id

    def displayName(self) -> str:  # noqa: N802 (QGIS API)
        return self.title + (self.UNAVAILABLE if self.problem() else "")

    def problem(self) -> str:
        """'' when this algorithm can run here; otherwise why not and the fix (one line)."""
        return ""

    def canExecute(self):  # noqa: N802 (QGIS API)
        problem = self.problem()
        return (not problem), problem

    def icon(self) -> QIcon:
        if self.problem():
            return QgsApplication.getThemeIcon("/mIconWarning.svg")
        return super().icon()

    def group(self) -> str:
        return self.group_title

    def groupId(self) -> str:  # noqa: N802
        return self.group_title.lower().replace(" ", "")

    def tags(self) -> list:
        return list(self.keywords)

    def createInstance(self):  # noqa: N802
        return type(self)()

    def flags(self):
        return super().flags() | SUPPORTS_BATCH | CAN_CANCEL

    # -- help ---------------------------------------------------------------------------------
    def shortDescription(self) -> str:  # noqa: N802
        problem = self.problem()
        return f"Cannot run here: {problem}" if problem else self.summary

    def shortHelpString(self) -> str:  # noqa: N802
        if _plain_text_help():
            lines = [self.summary, ""] + [f"{label}: {text}" for label, text in self.help_items]
            return "\n".join(lines)
        items = "".join(f"<p><b>{html.escape(label)}</b><br>{html.escape(text)}</p>"
                        for label, text in self.help_items)
        return f"<p>{html.escape(self.summary)}</p>{items}"

    def helpUrl(self) -> str:  # noqa: N802
        return "https://github.com/hsad-project/hsad#readme"

    def add(self, parameter: QgsProcessingParameterDefinition, advanced: bool = False,
            help_text: str = "", decimals: int = 0) -> None:
        """Add a parameter with its tooltip help, optionally under 'Advanced parameters'
        (``decimals``: how many a number's box shows, for small rates)."""
        if decimals:
            metadata = parameter.metadata()
            metadata.setdefault("widget_wrapper", {})["decimals"] = decimals
            parameter.setMetadata(metadata)
        if advanced:
            parameter.setFlags(parameter.flags() | ADVANCED)
        if help_text and hasattr(parameter, "setHelp"):
            parameter.setHelp(help_text)
        self.addParameter(parameter)

    # -- running ------------------------------------------------------------------------------
    def initAlgorithm(self, config=None):  # noqa: N802
        self.choices = {}
        self.define()

    def add_choice(self, name: str, description: str, choices, advanced: bool = False,
                   help_text: str = "") -> None:
        """A choice parameter showing ``choices``' labels; scripts may pass names."""
        from qgis.core import QgsProcessingParameterEnum
        self.choices[name] = choices
        self.add(QgsProcessingParameterEnum(name, description, options=choices.labels,
                                            defaultValue=choices.label(choices.default),
                                            usesStaticStrings=True),
                 advanced=advanced, help_text=help_text)

    def choice(self, parameters, name: str) -> str:
        """The name chosen for a choice parameter (its default when none was given)."""
        choices = self.choices[name]
        return choices.name_of(parameters.get(name)) or choices.default

    def checkParameterValues(self, parameters, context):  # noqa: N802 (QGIS API)
        """hsad's rule for what may be opened (engine/scenes/reach.py) first, before QGIS loads a
        layer: QGIS's own check opens the file and its side-cars, and a FIFO among them would
        hang QGIS before any hsad code ran. Then QGIS's checks, on the parameters with each
        choice given by name or index turned into its label (so ``METHOD=rx`` passes); a choice
        that names nothing is refused here."""
        from ...engine.scenes.reach import check_reach
        for definition in self.parameterDefinitions():
            if definition.type() not in ("raster", "multilayer"):
                continue
            for path in _named_paths(parameters.get(definition.name())):
                try:
                    check_reach(path)
                except HsadError as exc:
                    return False, str(exc)
        given = dict(parameters)
        for name, choices in self.choices.items():
            value = given.get(name)
            if value is None or value == "" or (hasattr(value, "isNull") and value.isNull()):
                continue
            chosen = choices.name_of(value)
            if chosen is None:
                return False, (f"{name}: '{value}' is not one of "
                               f"{', '.join(choices.names)}")
            given[name] = choices.label(chosen)
        engine_only = [name for name in self.scene_inputs if engine_only_file(given.get(name))]
        if engine_only:  # QGIS cannot load a MATLAB scene as a layer; the engine reads it
            return self._check_others(given, context, engine_only)
        return super().checkParameterValues(given, context)

    def _check_others(self, parameters, context, skip: list) -> tuple:
        """QGIS's per-parameter checks, but for ``skip`` (files checked to exist already)."""
        for definition in self.parameterDefinitions():
            if definition.name() not in skip and not definition.checkValueIsAcceptable(
                    parameters.get(definition.name()), context):
                return False, f"Incorrect parameter value for {definition.name()}"
        return True, ""

    def define(self) -> None:
        raise NotImplementedError

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        try:
            return self.execute(parameters, context, feedback)
        except Cancelled:
            raise QgsProcessingException("Cancelled; no output was written.") from None
        except HsadError as exc:
            raise QgsProcessingException(str(exc)) from None

    def execute(self, parameters, context, feedback) -> dict:
        raise NotImplementedError

    def raster_source(self, parameters, name: str, context) -> str:
        """The file behind a raster parameter (a canvas layer or a path); GDAL layers only, and
        for :attr:`scene_inputs` the files only the engine reads (MATLAB, PRISMA .he5). A path
        that names an existing file is that file, exactly: QGIS would read a '|' in it as the
        start of layer options and open the file named by what comes before."""
        if name in self.scene_inputs and engine_only_file(parameters.get(name)):
            return str(parameters.get(name))
        named = _existing_file(parameters.get(name))
        if named:
            return named
        layer = self.parameterAsRasterLayer(parameters, name, context)
        if layer is None:
            raise QgsProcessingException(f"{name}: no raster layer given")
        return _file_of(layer)

    def raster_sources(self, parameters, name: str, context) -> list:
        """The files behind a multiple-layer parameter, in the order given (paths naming
        existing files taken exactly, as in :meth:`raster_source`)."""
        given = parameters.get(name)
        if isinstance(given, (list, tuple)) and given and all(_existing_file(v) for v in given):
            return [_existing_file(v) for v in given]
        layers = self.parameterAsLayerList(parameters, name, context)
        if not layers:
            raise QgsProcessingException(f"{name}: no raster layer given")
        return [_file_of(layer) for layer in layers]

    @staticmethod
    def log_versions(feedback) -> None:
        """The hsad version in every log, so a result can be traced to the code that made it."""
        from ...version import __version__
        feedback.pushInfo(f"hsad {__version__}")

    @staticmethod
    def progress_callback(feedback) -> Callable[[float], bool]:
        """The engine's progress(fraction) -> keep going? on top of QGIS feedback."""
        def progress(fraction: float) -> bool:
            feedback.setProgress(100.0 * fraction)
            return not feedback.isCanceled()
        return progress

    @staticmethod
    def tr(text: str) -> str:
        return QCoreApplication.translate("hsad", text)


def _existing_file(value) -> str:
    """``value`` when it is a path (text) naming an existing entry that is not a folder (a
    FIFO too, which the engine then refuses), else ''."""
    import os
    if isinstance(value, str) and value and os.path.lexists(value) and not os.path.isdir(value):
        return value
    return ""


def _named_paths(value) -> list:
    """The paths a parameter value names as text (one, or a list of them)."""
    values = value if isinstance(value, (list, tuple)) else [value]
    return [v for v in map(_existing_file, values) if v]


def engine_only_file(value) -> bool:
    """Whether a parameter value names an existing scene file QGIS cannot open as a layer but
    the engine reads: a MATLAB .mat cube, a PRISMA Level-2 .he5 product."""
    from ...engine.scenes.prisma import is_prisma_product
    from ...engine.scenes.raster import MATLAB_EXTENSIONS
    if not isinstance(value, str) or not os.path.isfile(value):
        return False
    return value.lower().endswith(MATLAB_EXTENSIONS) or is_prisma_product(value)


def _file_of(layer) -> str:
    """A raster layer's file; refuses web and database rasters, which the engine cannot read,
    and a source whose '|' part QGIS did not understand (a file name holding '|': the layer
    is another file, the one named by what comes before it)."""
    import os
    if layer.providerType() != "gdal":
        raise QgsProcessingException(f"{layer.name()}: not a file layer (provider "
                                     f"'{layer.providerType()}'); save it as GeoTIFF or ENVI first")
    source = layer.source()
    path = source.split("|")[0]
    if "|" in source and os.path.exists(source):
        raise QgsProcessingException(f"{source}: QGIS reads the '|' in this file name as the "
                                     f"start of layer options and opened {path} instead; rename "
                                     "the file without '|', or give its path as text")
    return path


def _plain_text_help() -> bool:
    """True under ``qgis_process help``, which prints help verbatim (tags would show)."""
    app = QCoreApplication.instance()
    if app is None:
        return True
    args = [a.lower() for a in app.arguments()]
    return "help" in args or any(a.endswith("qgis_process") or a.endswith("qgis_process.bin")
                                 for a in args[:1])
