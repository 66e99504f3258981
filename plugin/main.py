"""The QGIS plugin object: registers the Processing provider and nothing heavier."""
from __future__ import annotations

from qgis.core import QgsApplication


class HsadPlugin:
    """Created by QGIS through ``classFactory``; owns the provider for the session."""

    def __init__(self, iface):
        self.iface = iface
        self.provider = None  # kept referenced: a collected provider loses its algorithms

    def initProcessing(self) -> None:  # noqa: N802 (QGIS API)
        from .provider import HsadProvider
        if self.provider is None:
            self.provider = HsadProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self) -> None:  # noqa: N802 (QGIS API)
        self.initProcessing()

    def unload(self) -> None:
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
