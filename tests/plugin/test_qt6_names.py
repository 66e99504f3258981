"""The plugin's Qt imports and Qt enum values exist in PyQt6, the Qt of QGIS 4.

PyQt6 runs in a separate process: this one has QGIS on PyQt5 loaded. The check itself is
scripts/compat/qt6_names.py; a planted Qt 5-only name shows it can fail.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from support import REPO

CHECK = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    import qt6_names
    print(json.dumps({"real": qt6_names.problems(Path(sys.argv[2])),
                      "planted": qt6_names.problems(Path(sys.argv[3]))}))
""")

PLANTED = textwrap.dedent("""
    from qgis.PyQt.QtCore import Qt
    from qgis.PyQt.QtWidgets import QAction, QDesktopWidget
    LEFT = Qt.AlignLeft
    RIGHT = Qt.AlignmentFlag.AlignRight
""")


def test_plugin_qt_names_resolve_in_pyqt6(tmp_path):
    probe = subprocess.run([sys.executable, "-c", "import PyQt6.QtCore"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("PyQt6 is not installed in this Python (make setup installs it)")
    planted = tmp_path / "plugin"
    planted.mkdir()
    (planted / "old.py").write_text(PLANTED)
    done = subprocess.run([sys.executable, "-c", CHECK, str(REPO / "scripts" / "compat"),
                           str(REPO / "plugin"), str(planted)],
                          capture_output=True, text=True, timeout=120,
                          env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["real"] == []
    assert found["planted"] == ["plugin/old.py: PyQt6.QtWidgets has no QDesktopWidget",
                                "plugin/old.py: Qt.AlignLeft does not resolve in PyQt6"]
