"""The plugin's QGIS enum values work on this QGIS and come by the names QGIS 4 keeps."""
from __future__ import annotations

import re

import pytest

from support import REPO

# Class-scoped enum names that QGIS 3.30/3.36 moved into Qgis (deprecated aliases in QGIS 3).
DEPRECATED_FORMS = re.compile(
    r"QgsProcessingAlgorithm\.Flag\.|QgsProcessingParameterDefinition\.Flag\.|"
    r"QgsProcessingParameterNumber\.Type\.|QgsProcessingParameterFile\.Behavior\.|"
    r"QgsProcessing\.SourceType\.|QgsWkbTypes\.Type\.|QgsProperty\.Type\.")


def test_current_names_win_and_old_ones_are_not_evaluated(qgis_app):
    from qgis.core import Qgis

    from hsad.plugin.qgis_enums import current_or_old

    def old_name_must_not_be_needed():
        raise AssertionError("the old name was evaluated although Qgis has the enum")

    found = current_or_old("MessageLevel", "Warning", old_name_must_not_be_needed)
    assert found == Qgis.MessageLevel.Warning and type(found) is type(Qgis.MessageLevel.Warning)
    assert current_or_old("NoSuchEnumInAnyQgis", "Member", lambda: "old") == "old"


def test_values_are_the_qgis_enums_where_this_qgis_has_them(qgis_app):
    from qgis.core import (Qgis, QgsProcessing, QgsProcessingAlgorithm,
                           QgsProcessingParameterFile, QgsProcessingParameterNumber, QgsProperty,
                           QgsWkbTypes)

    from hsad.plugin import qgis_enums
    expected = {
        "SUPPORTS_BATCH": ("ProcessingAlgorithmFlag", "SupportsBatch",
                           lambda: QgsProcessingAlgorithm.Flag.FlagSupportsBatch),
        "INTEGER": ("ProcessingNumberParameterType", "Integer",
                    lambda: QgsProcessingParameterNumber.Type.Integer),
        "FOLDER": ("ProcessingFileParameterBehavior", "Folder",
                   lambda: QgsProcessingParameterFile.Behavior.Folder),
        "POLYGON_SOURCE": ("ProcessingSourceType", "VectorPolygon",
                           lambda: QgsProcessing.SourceType.TypeVectorPolygon),
        "NO_GEOMETRY": ("WkbType", "NoGeometry", lambda: QgsWkbTypes.Type.NoGeometry),
        "STATIC_PROPERTY": ("PropertyType", "Static", lambda: QgsProperty.Type.StaticProperty)}
    for constant, (enum, member, old) in expected.items():
        value = getattr(qgis_enums, constant)
        if hasattr(Qgis, enum):
            current = getattr(getattr(Qgis, enum), member)
            assert value == current and type(value) is type(current), constant
        else:
            assert value == old(), constant


@pytest.mark.parametrize("algorithm, parameter, check", [
    ("hsad:threshold", "TOP_N", lambda p, e: int(p.dataType()) == int(e.INTEGER)),
    ("hsad:threshold", "K", lambda p, e: int(p.dataType()) == int(e.DOUBLE)),
    ("hsad:threshold", "K", lambda p, e: bool(int(p.flags()) & int(e.ADVANCED))),
    ("hsad:threshold", "RULE", lambda p, e: not int(p.flags()) & int(e.ADVANCED)),
    ("hsad:detectfolder", "INPUT", lambda p, e: int(p.behavior()) == int(e.FOLDER)),
    ("hsad:evaluate", "INPUT", lambda p, e: int(p.layerType()) == int(e.RASTER_SOURCE)),
])
def test_parameters_carry_the_intended_types(hsad_plugin, algorithm, parameter, check):
    from qgis.core import QgsApplication

    from hsad.plugin import qgis_enums
    found = QgsApplication.processingRegistry().algorithmById(algorithm)
    assert check(found.parameterDefinition(parameter), qgis_enums)


def test_numbers_are_told_apart(hsad_plugin):
    """INTEGER and DOUBLE differ, so the checks above can fail."""
    from hsad.plugin import qgis_enums
    assert int(qgis_enums.INTEGER) != int(qgis_enums.DOUBLE)


def test_algorithms_support_batch_and_cancel(hsad_plugin):
    from qgis.core import QgsApplication

    from hsad.plugin import qgis_enums
    for algorithm in QgsApplication.processingRegistry().providerById("hsad").algorithms():
        flags = int(algorithm.flags())
        assert flags & int(qgis_enums.SUPPORTS_BATCH) and flags & int(qgis_enums.CAN_CANCEL), \
            algorithm.id()


def test_no_plugin_module_but_qgis_enums_spells_the_deprecated_names():
    offenders = [f"{path.relative_to(REPO)}:{number}"
                 for path in sorted((REPO / "plugin").rglob("*.py")) if path.name != "qgis_enums.py"
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if DEPRECATED_FORMS.search(line)]
    assert offenders == []
