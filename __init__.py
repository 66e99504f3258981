"""hsad: hyperspectral anomaly detection for QGIS and the command line.

QGIS loads this folder as the plugin ``hsad`` and calls :func:`classFactory`. Nothing heavy is
imported here: the engine, numpy work and torch load only when an algorithm runs.
"""
if __package__:  # pytest imports this file bare when the checkout's folder is no Python name
    from .version import __version__  # noqa: F401 (hsad.__version__)


def classFactory(iface):  # noqa: N802 (QGIS's name)
    """QGIS plugin entry point."""
    from .plugin.main import HsadPlugin
    return HsadPlugin(iface)
