"""Ready for QGIS 4 (PyQt6): every Qt and QGIS enum value under plugin/ is written with its enum
type (``Qt.AlignmentFlag.AlignLeft``, not ``Qt.AlignLeft``), the form PyQt6 requires and
PyQt5 accepts. Checked by reading each module's code and asking the live classes what each
``Class.Name`` is."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from support import REPO

PLUGIN_FILES = sorted((REPO / "plugin").rglob("*.py"))


def qgis_names(tree: ast.AST) -> dict:
    """{local name: class} of the classes a module imports from qgis.* and qgis.PyQt.*."""
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and node.module.split(".")[0] == "qgis":
            module = importlib.import_module(node.module)
            for alias in node.names:
                value = getattr(module, alias.name, None)
                if isinstance(value, type):
                    found[alias.asname or alias.name] = value
    return found


def is_unscoped_enum_value(owner: type, name: str) -> bool:
    value = getattr(owner, name, None)
    if value is None or isinstance(value, (type, bool)) or callable(value):
        return False
    enum_type = type(value)
    return isinstance(value, int) and enum_type is not int and \
        getattr(owner, enum_type.__name__, None) is enum_type


def unscoped(path: Path) -> list:
    tree = ast.parse(path.read_text(), str(path))
    classes = qgis_names(tree)
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id in classes \
                and is_unscoped_enum_value(classes[node.value.id], node.attr):
            owner = classes[node.value.id]
            problems.append(f"{path.name}:{node.lineno} {node.value.id}.{node.attr} -> "
                            f"{node.value.id}.{type(getattr(owner, node.attr)).__name__}"
                            f".{node.attr}")
    return problems


@pytest.mark.parametrize("path", PLUGIN_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_enum_values_are_written_with_their_enum_type(qgis_app, path):
    assert unscoped(path) == []


def test_the_check_catches_an_unscoped_value(qgis_app, tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from qgis.PyQt.QtCore import Qt\nA = Qt.AlignLeft\n"
                      "B = Qt.AlignmentFlag.AlignLeft\n")
    assert [p.split(" ")[1] for p in unscoped(sample)] == ["Qt.AlignLeft"]
