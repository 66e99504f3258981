"""`make screenshots`: the real QGIS desktop, under Xvfb, running hsad from Processing.

Starts QGIS with a throwaway profile in which hsad is installed and enabled, loads a generated
scene in false colour (written without map info, as every scene converted from the MATLAB
files is: QGIS draws it at y = 0 .. -rows), runs ``hsad:detect`` and ``hsad:threshold`` (default
rule) through
Processing (so the outputs load the way they do for users: styled, named, on top), and saves to
``docs/img/`` the score overlay over the scene and over QGIS's white canvas side by side, and
the main window. The same file is the script QGIS runs (``--code``): inside QGIS it does the
GUI part, outside it prepares the profile and checks the pictures.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGES = os.path.join(REPO, "docs", "img")
CANVAS_PNG = "qgis_detect_canvas.png"
WINDOW_PNG = "qgis_detect_window.png"
SETTLE_MS = 4000  # rendering is asynchronous: wait before each capture


def main() -> int:
    sys.path.insert(0, os.path.dirname(REPO))
    from hsad.engine.synthetic import make_scene, write_envi
    if not shutil.which("xvfb-run") or not shutil.which("qgis"):
        sys.exit("make screenshots needs xvfb-run and qgis (make setup installs both)")
    work = tempfile.mkdtemp(prefix="hsad-screenshots-")
    scene = os.path.join(work, "harbour.bsq")
    write_envi(scene, make_scene(256, 256, bands=120, targets=12, seed=3))
    strip_map_info(scene)
    env = desktop_env(work)
    env.update(HSAD_SHOT_SCENE=scene, HSAD_SHOT_OUT=work, HSAD_SHOT_METHOD=shot_method())
    launcher = os.path.join(work, "launch.py")
    with open(launcher, "w") as handle:
        handle.write("import importlib.util\n"
                     f"spec = importlib.util.spec_from_file_location('shots', {__file__!r})\n"
                     "module = importlib.util.module_from_spec(spec)\n"
                     "spec.loader.exec_module(module)\n"
                     "module.in_qgis()\n")
    started = time.perf_counter()
    command = ["xvfb-run", "-a", "-s", "-screen 0 1400x900x24", "qgis", "--nologo",
               "--noversioncheck", "--code", launcher]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    shots = [os.path.join(work, name) for name in (CANVAS_PNG, WINDOW_PNG)]
    if not all(os.path.exists(p) and os.path.getsize(p) > 10000 for p in shots):
        sys.exit(f"QGIS did not save the screenshots (exit {done.returncode}):\n"
                 f"{(done.stdout + done.stderr)[-3000:]}")
    log = os.path.join(work, "log.txt")
    if os.path.exists(log):
        print(open(log).read().strip())
    os.makedirs(IMAGES, exist_ok=True)
    for shot in shots:
        shutil.copy(shot, IMAGES)
        print(f"wrote {os.path.join(IMAGES, os.path.basename(shot))}")
    print(f"QGIS desktop under Xvfb: {time.perf_counter() - started:.0f} s")
    shutil.rmtree(work, ignore_errors=True)
    return 0


def strip_map_info(path: str) -> None:
    """Leave the ENVI header without georeferencing (no map info, no coordinate system)."""
    header = os.path.splitext(path)[0] + ".hdr"
    with open(header) as handle:
        lines = [line for line in handle if not line.lower().startswith(
            ("map info", "coordinate system string", "projection info"))]
    with open(header, "w") as handle:
        handle.writelines(lines)
    if os.path.exists(path + ".aux.xml"):
        os.remove(path + ".aux.xml")


def shot_method() -> str:
    """The pretrained detector when it loads here, else global RX, as in the demo."""
    try:
        from hsad.engine.methods import create_detector
        create_detector("twobranch", device="cpu")
        return "twobranch"
    except Exception:
        return "rx"


def desktop_env(work: str) -> dict:
    """A throwaway QGIS profile with hsad installed (linked) and enabled."""
    data = os.path.join(work, "xdg-data")
    profile = os.path.join(data, "QGIS", "QGIS3", "profiles", "default")
    plugins = os.path.join(profile, "python", "plugins")
    os.makedirs(plugins)
    os.symlink(REPO, os.path.join(plugins, "hsad"))
    os.makedirs(os.path.join(profile, "QGIS"))
    with open(os.path.join(profile, "QGIS", "QGIS3.ini"), "w") as handle:
        handle.write("[PythonPlugins]\nhsad=true\n\n[qgis]\nshowTips=false\n"
                     "checkVersion=false\n")
    runtime = os.path.join(work, "xdg-runtime")
    os.makedirs(runtime, mode=0o700)
    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORM", "QGIS_CUSTOM_CONFIG_PATH", "QGIS_PLUGINPATH")}
    env.update(XDG_DATA_HOME=data, XDG_RUNTIME_DIR=runtime,
               PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""))
    return env


# ---- inside QGIS ----------------------------------------------------------------------------
def in_qgis() -> None:
    """Load the scene, run hsad from Processing, capture; then leave QGIS (it aborts on quit)."""
    from qgis.PyQt.QtCore import QTimer
    QTimer.singleShot(3000, _run_and_capture)


def _run_and_capture() -> None:
    from qgis.core import QgsProject
    from qgis.PyQt.QtCore import QTimer
    from qgis.utils import iface
    out = os.environ["HSAD_SHOT_OUT"]
    window, canvas = iface.mainWindow(), iface.mapCanvas()
    with open(os.path.join(out, "log.txt"), "w") as log:
        try:
            scene = _load_false_colour(os.environ["HSAD_SHOT_SCENE"])
            score, mask, objects = _run_hsad(scene, os.environ["HSAD_SHOT_METHOD"], out)
            log.write(f"layers: {score.name()!r} ({score.renderer().type()}), {mask.name()!r}, "
                      f"{objects.name()!r} ({objects.featureCount()} objects)\n")
            log.write(f"scene extent {scene.extent().toString(1)}, objects extent "
                      f"{objects.extent().toString(1)}; CRS of " + ", ".join(
                          f"{layer.name()!r}: {_crs(layer.crs())}" for layer in
                          (scene, score, mask, objects)) +
                      f"; project: {_crs(QgsProject.instance().crs())}\n")
            log.write(_panel_widths(score, mask, objects) + "\n")
        except Exception:  # written to the log: the driver prints it
            import traceback
            log.write(traceback.format_exc())
            os._exit(1)
    tree = QgsProject.instance().layerTreeRoot()

    shown = {}

    def visible(layer, on: bool) -> None:
        tree.findLayer(layer.id()).setItemVisibilityChecked(on)

    def frame():  # after Processing has loaded its layers (which may zoom the canvas)
        window.setGeometry(0, 0, 1400, 900)
        iface.setActiveLayer(score)
        _show_toolbox()
        for layer in (objects, mask):
            visible(layer, False)
        tree.findLayer(mask.id()).setExpanded(False)
        canvas.setExtent(_zoom(scene.extent(), objects))
        canvas.refresh()
        QTimer.singleShot(SETTLE_MS, over_scene)

    def over_scene():  # the styled score overlay on the scene
        canvas.waitWhileRendering()
        shown["scene"] = canvas.grab().toImage()
        visible(scene, False)
        canvas.refresh()
        QTimer.singleShot(SETTLE_MS, over_white)

    def over_white():  # the same overlay on QGIS's white canvas, the scene switched off
        canvas.waitWhileRendering()
        shown["white"] = canvas.grab().toImage()
        _side_by_side(shown["scene"], shown["white"], os.path.join(out, CANVAS_PNG))
        visible(scene, True)
        visible(objects, True)
        canvas.refresh()
        QTimer.singleShot(SETTLE_MS, capture_window)

    def capture_window():  # the whole desktop: layers, outlined objects, the toolbox
        canvas.waitWhileRendering()
        window.grab().save(os.path.join(out, WINDOW_PNG))
        os._exit(0)  # QGIS 3.22 aborts on a scripted quit; the pictures are the result

    QTimer.singleShot(1000, frame)


def _crs(crs) -> str:
    validity = "valid" if crs.isValid() else "invalid"
    return f"{crs.authid() or crs.description() or 'none'} ({validity})"


def _panel_widths(*layers) -> str:
    """What of each hsad layer's name the Layers panel shows: the pixels of its kind and method
    (bold, as the panel draws names) against the width of the panel's text column."""
    from qgis.PyQt.QtGui import QFontMetrics
    from qgis.utils import iface
    view = iface.layerTreeView()
    font = view.font()
    font.setBold(True)
    metrics = QFontMetrics(font)
    parts = []
    for layer in layers:
        start = " · ".join(layer.name().split(" · ")[:2]) + " · "
        parts.append(f"{start!r} {metrics.horizontalAdvance(start)} px")
    return (f"Layers panel {view.viewport().width()} px wide (text starts about 60 px in): "
            + ", ".join(parts))


def _side_by_side(left, right, path: str) -> None:
    """Two canvas pictures next to each other, each with a caption, saved as one PNG."""
    from qgis.PyQt.QtCore import QRect, Qt
    from qgis.PyQt.QtGui import QColor, QFont, QImage, QPainter
    gap, caption = 12, 30
    image = QImage(left.width() + gap + right.width(), max(left.height(), right.height()) + caption,
                   QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setFont(QFont("DejaVu Sans", 12))
    for x, picture, text in ((0, left, "over the scene (false colour 860/650/550 nm)"),
                             (left.width() + gap, right, "over a white map")):
        painter.drawText(QRect(x, 0, picture.width(), caption),
                         int(Qt.AlignmentFlag.AlignCenter), text)
        painter.drawImage(x, caption, picture)
    painter.end()
    image.save(path)


def _load_false_colour(path: str):
    from qgis.core import (QgsContrastEnhancement, QgsMultiBandColorRenderer, QgsProject,
                           QgsRasterLayer)
    layer = QgsRasterLayer(path, "harbour (false colour 860/650/550 nm)")
    provider = layer.dataProvider()
    bands = [_band_near(layer, nm) for nm in (860.0, 650.0, 550.0)]
    renderer = QgsMultiBandColorRenderer(provider, *bands)
    setters = (renderer.setRedContrastEnhancement, renderer.setGreenContrastEnhancement,
               renderer.setBlueContrastEnhancement)
    cuts = [provider.cumulativeCut(band, 0.02, 0.98) for band in bands]
    low, high = min(c[0] for c in cuts), max(c[1] for c in cuts)  # one stretch keeps the hues
    for band, setter in zip(bands, setters):
        enhancement = QgsContrastEnhancement(provider.dataType(band))
        enhancement.setContrastEnhancementAlgorithm(QgsContrastEnhancement.StretchToMinimumMaximum)
        enhancement.setMinimumValue(low)
        enhancement.setMaximumValue(high)
        setter(enhancement)
    layer.setRenderer(renderer)
    QgsProject.instance().addMapLayer(layer)
    return layer


def _zoom(extent, objects):
    """Around the outlined objects (with their scene around them), so outlines, numbers and the
    overlay read clearly; a square of at least 120 pixels, inside the scene."""
    from qgis.core import QgsRectangle
    found = objects.extent() if objects.featureCount() else extent
    side = max(found.width(), found.height(), 120.0) * 1.25
    x, y = found.center().x(), found.center().y()
    half = side / 2
    x = min(max(x, extent.xMinimum() + half), extent.xMaximum() - half)
    y = min(max(y, extent.yMinimum() + half), extent.yMaximum() - half)
    return QgsRectangle(x - half, y - half, x + half, y + half)


def _band_near(layer, nm: float) -> int:
    """The 1-based band whose wavelength (from its name, 'Band n: 860.00 nm ...') is nearest."""
    import re
    best, distance = 1, float("inf")
    for band in range(1, layer.bandCount() + 1):
        found = re.search(r"([\d.]+) nm", layer.bandName(band))
        if found and abs(float(found.group(1)) - nm) < distance:
            best, distance = band, abs(float(found.group(1)) - nm)
    return best


def _run_hsad(scene, method: str, out: str):
    import processing
    from qgis.core import QgsProject
    detect = processing.runAndLoadResults("hsad:detect", {
        "INPUT": scene, "METHOD": method, "OUTPUT": os.path.join(out, "harbour_score.tif")})
    processing.runAndLoadResults("hsad:threshold", {  # the default rule: 1e-3 false alarms
        "INPUT": detect["OUTPUT"], "MASK": os.path.join(out, "harbour_mask.tif"),
        "OBJECTS": os.path.join(out, "harbour_objects.gpkg")})
    layers = QgsProject.instance().mapLayers().values()
    return tuple(next(layer for layer in layers if layer.name().startswith(f"{kind} · "))
                 for kind in ("score", "mask", "objects"))


def _show_toolbox() -> None:
    from qgis.PyQt.QtWidgets import QDockWidget, QLineEdit
    from qgis.utils import iface
    toolbox = iface.mainWindow().findChild(QDockWidget, "ProcessingToolbox")
    if toolbox is None:
        return
    toolbox.show()
    search = toolbox.findChild(QLineEdit)
    if search is not None:
        search.setText("anomal")


if __name__ == "__main__":
    sys.exit(main())
