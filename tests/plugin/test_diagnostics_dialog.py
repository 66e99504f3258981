"""Plugins > hsad > Diagnostics: the hsad doctor report in a dialog with a Copy button."""
from __future__ import annotations

import pytest


@pytest.fixture
def plugin_with_menu(qgis_processing, fake_iface):
    import hsad
    iface = fake_iface
    instance = hsad.classFactory(iface)
    instance.initGui()
    yield instance, iface
    instance.unload()
    assert iface.menus["hsad"] == []


def test_the_plugins_menu_has_hsad_diagnostics(plugin_with_menu):
    plugin, iface = plugin_with_menu
    assert [action.text() for action in iface.menus["hsad"]] == ["Diagnostics"]
    plugin.initGui()  # QGIS may call it again: still one entry
    assert len(iface.menus["hsad"]) == 1


def test_the_entry_opens_the_report(plugin_with_menu, monkeypatch):
    from hsad.plugin import diagnostics_dialog
    plugin, iface = plugin_with_menu
    shown = []
    monkeypatch.setattr(diagnostics_dialog, "diagnostics_report", lambda: "the report")
    monkeypatch.setattr(diagnostics_dialog.DiagnosticsDialog, "exec",
                        lambda dialog: shown.append(dialog.report()))
    iface.menus["hsad"][0].trigger()
    assert shown == ["the report"]


def test_the_report_is_hsad_doctor_for_this_qgis(qgis_app):
    from qgis.core import Qgis
    from hsad.plugin.diagnostics_dialog import COLUMNS, DiagnosticsDialog, diagnostics_report
    report = diagnostics_report()
    assert report.startswith("hsad doctor report")
    assert Qgis.QGIS_VERSION in report
    assert "weights" in report and "missing" in report and "\nblas " in report
    long_words = [w for w in report.split() if len(w) > COLUMNS - 14]  # paths longer than a line
    assert all(len(line) <= COLUMNS for line in report.splitlines() if not any(
        w in line for w in long_words)), report
    assert "python3-torch" not in report
    dialog = DiagnosticsDialog(report)
    try:
        dialog.show()
        from qgis.PyQt.QtWidgets import QApplication
        QApplication.processEvents()
        assert dialog.text.horizontalScrollBar().maximum() == 0  # every line fits
    finally:
        dialog.deleteLater()


def test_the_blas_line_says_when_numpy_products_are_slow_here():
    """Inside QGIS numpy's cblas_sgemm is GSL's reference BLAS; the line then says so."""
    from hsad.engine.linalg import BlasReport
    slow = BlasReport("/usr/lib/x86_64-linux-gnu/libgslcblas.so.0.0.0", 2.0, 60.0, "scipy",
                      shadowed=True)
    assert slow.numpy_slow and "slow here, hsad sends its products through scipy" in slow.line()
    fine = BlasReport("/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3", 110.0, 118.0,
                      "numpy")
    assert not fine.numpy_slow and "slow" not in fine.line() and "hsad uses numpy" in fine.line()


def test_copy_puts_the_whole_report_on_the_clipboard(qgis_app):
    from qgis.PyQt.QtWidgets import QApplication, QDialogButtonBox
    from hsad.plugin.diagnostics_dialog import DiagnosticsDialog
    report = "hsad doctor report\nhsad   1.0\nmissing  nothing"
    dialog = DiagnosticsDialog(report)
    try:
        assert dialog.report() == report and dialog.text.isReadOnly()
        assert dialog.buttons.button(QDialogButtonBox.StandardButton.Close) is not None
        QApplication.clipboard().clear()
        dialog.copy_button.click()
        assert QApplication.clipboard().text() == report
    finally:
        dialog.deleteLater()
