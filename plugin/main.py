"""The QGIS plugin object: registers the Processing provider and the Plugins > hsad menu."""
from __future__ import annotations

from qgis.core import QgsApplication

MENU = "hsad"


class HsadPlugin:
    """Created by QGIS through ``classFactory``; owns the provider and the menu for the session."""

    def __init__(self, iface):
        self.iface = iface
        self.provider = None  # kept referenced: a collected provider loses its algorithms
        self.actions: list = []

    def initProcessing(self) -> None:  # noqa: N802 (QGIS API)
        from .provider import HsadProvider
        if self.provider is None:
            self.provider = HsadProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self) -> None:  # noqa: N802 (QGIS API)
        self.initProcessing()
        if self.iface is None or self.actions:
            return
        from qgis.PyQt.QtWidgets import QAction
        diagnostics = QAction("Diagnostics", self.iface.mainWindow())
        diagnostics.setToolTip("The hsad doctor report: versions, device, weights, what is "
                               "missing and how to install it")
        diagnostics.triggered.connect(self.show_diagnostics)
        self.iface.addPluginToMenu(MENU, diagnostics)
        self.actions.append(diagnostics)

    def show_diagnostics(self) -> None:
        from .diagnostics_dialog import show_diagnostics
        show_diagnostics(self.iface.mainWindow())

    def unload(self) -> None:
        for action in self.actions:
            self.iface.removePluginMenu(MENU, action)
        self.actions = []
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
