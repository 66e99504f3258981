"""Plugins > hsad > Diagnostics: the ``hsad doctor`` report inside QGIS, with a Copy button.

Users asked for help paste what they see; the same text as ``hsad doctor`` (versions, the
device, the weights' checksum, what is missing and the command that installs it) saves a round
trip. The report is collected once when the dialog opens; the torch probe runs in a child
Python, so a broken CUDA install cannot take QGIS down.
"""
from __future__ import annotations

from typing import Optional

from qgis.core import Qgis
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QFontDatabase, QGuiApplication
from qgis.PyQt.QtWidgets import (QApplication, QDialog, QDialogButtonBox, QLabel,
                                 QPlainTextEdit, QVBoxLayout)

TITLE = "hsad diagnostics"
COLUMNS = 96  # the report is wrapped to this many characters, and the box is that wide


def diagnostics_report(columns: int = COLUMNS) -> str:
    """The ``hsad doctor`` text for this QGIS (its version given, not probed), its long lines
    (paths, install commands) wrapped to ``columns`` with their continuations indented."""
    from ..engine.diagnostics import collect, format_report
    return format_report(collect(qgis_version=Qgis.QGIS_VERSION), columns)


class DiagnosticsDialog(QDialog):
    """The report in a read-only monospace box; Copy puts all of it on the clipboard."""

    def __init__(self, report: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        layout = QVBoxLayout(self)
        hint = QLabel("What hsad finds in this QGIS. Copy it into a bug report or a question.")
        hint.setAlignment(Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(hint)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setPlainText(report)
        layout.addWidget(self.text)
        self._fit(report)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy_button = self.buttons.addButton("Copy",
                                                  QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def _fit(self, report: str) -> None:
        """Wide and tall enough for the report's longest line (at least COLUMNS) and its lines,
        up to 40, without a horizontal scroll bar."""
        metrics = self.text.fontMetrics()
        columns = max([COLUMNS] + [len(line) for line in report.splitlines()])
        char = metrics.horizontalAdvance("M") if hasattr(metrics, "horizontalAdvance") \
            else metrics.width("M")
        frame = 2 * self.text.frameWidth() + 2 * int(self.text.document().documentMargin()) + \
            self.text.verticalScrollBar().sizeHint().width()
        self.text.setMinimumWidth(columns * char + frame)
        lines = min(max(len(report.splitlines()), 12), 40)
        self.text.setMinimumHeight(lines * metrics.lineSpacing() + frame)

    def report(self) -> str:
        return self.text.toPlainText()

    def copy(self) -> None:
        """Put the whole report on the clipboard."""
        QApplication.clipboard().setText(self.report())


def show_diagnostics(parent=None) -> Optional[DiagnosticsDialog]:
    """Collect the report (a few seconds: the torch probe) and show it."""
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        report = diagnostics_report()
    finally:
        QGuiApplication.restoreOverrideCursor()
    dialog = DiagnosticsDialog(report, parent)
    dialog.exec()
    return dialog
