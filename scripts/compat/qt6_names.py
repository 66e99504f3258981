"""Do the plugin's Qt imports and Qt enum values exist in PyQt6, the Qt of QGIS 4?

    .venv/bin/python scripts/compat/qt6_names.py   # make setup installs PyQt6; no QGIS needed

No QGIS 4 package is reachable from this project's machines, so this checks the Qt side of
QGIS 4 readiness against PyQt6 itself: every name the plugin imports from ``qgis.PyQt.<Module>``
must exist in ``PyQt6.<Module>`` (or be one QGIS's own shim re-exports there), and every
``QtClass.Enum.Value`` chain on an imported Qt name must resolve. Prints one line per problem;
exits 1 if there is any.
"""
from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Names QGIS's qgis.PyQt shim makes importable from both QtGui and QtWidgets (they moved to QtGui
# in Qt 6; QGIS pull requests 55658 and 57467, kept for QGIS 4 so one plugin serves 3.x and 4.x).
SHIM_EXPORTS = {"QtWidgets": {"QAction", "QActionGroup", "QShortcut"}}
# Chains that PyQt6 lacks but hsad only evaluates on QGIS below 3.38, which has no Qt 6 release
# (and QGIS's Qt 6 builds patch QVariant.Type back in).
VERSION_GATED = {"QVariant.Type"}


def qt_imports(tree: ast.AST) -> dict:
    """{local name: (Qt module, imported name)} of a module's ``from qgis.PyQt.X import ...``."""
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and \
                node.module.startswith("qgis.PyQt."):
            module = node.module.split(".", 2)[2]
            for alias in node.names:
                found[alias.asname or alias.name] = (module, alias.name)
    return found


def chains(tree: ast.AST, roots: set) -> set:
    """Dotted attribute chains (``Qt.AlignmentFlag.AlignLeft``) that start at one of roots."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            parts, current = [], node
            while isinstance(current, ast.Attribute):
                parts.append(current.attr)
                current = current.value
            if isinstance(current, ast.Name) and current.id in roots:
                found.add(".".join([current.id] + parts[::-1]))
    return found


def problems(plugin_dir: Path) -> list:
    out = []
    for path in sorted(plugin_dir.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        imports = qt_imports(tree)
        where = path.relative_to(plugin_dir.parent)
        for local, (module, name) in sorted(imports.items()):
            qt = importlib.import_module(f"PyQt6.{module}")
            if not hasattr(qt, name) and name not in SHIM_EXPORTS.get(module, set()):
                out.append(f"{where}: PyQt6.{module} has no {name}")
        for chain in sorted(chains(tree, set(imports))):
            local, *rest = chain.split(".")
            if any(chain.startswith(gated) for gated in VERSION_GATED):
                continue
            module, name = imports[local]
            value = getattr(importlib.import_module(f"PyQt6.{module}"), name, None)
            for part in rest:
                if value is None or not hasattr(value, part):
                    if part[:1].isupper():  # an enum or class; lower-case parts are methods
                        out.append(f"{where}: {chain} does not resolve in PyQt6")
                    break
                value = getattr(value, part)
    return out


def main() -> int:
    try:
        from PyQt6.QtCore import PYQT_VERSION_STR, QT_VERSION_STR
    except ImportError:
        print("needs PyQt6: python -m pip install PyQt6 (in a throwaway venv)")
        return 2
    found = problems(REPO / "plugin")
    for line in found:
        print(line)
    print(f"PyQt6 {PYQT_VERSION_STR} (Qt {QT_VERSION_STR}): {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
