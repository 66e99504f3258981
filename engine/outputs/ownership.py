"""What hsad can prove it wrote, and what kind of file an existing one is.

The rule for what may be replaced (``staging.py`` applies it) rests on three questions this
module answers without trusting names:

* **Did hsad write it?** A raster carries hsad's ``HSAD_*`` metadata (a score raster: method and
  the statistics recorded at commit; a mask: its rule); a ``.qml`` is one of hsad's styles when
  its text is hsad's template with only the numbers changed; a GeoPackage holds nothing but the
  one layer hsad would write. A file QGIS re-saved, a user's own style, a text file at an
  output's name: not hsad's.
* **Is it the kind of file this output writes?** Processing replaces an existing file at an
  output name only when it is (a raster for a raster output, a vector dataset for a vector
  output, a PNG for a picture): QGIS's save dialog asked before replacing it, but
  ``qgis_process`` and ``processing.run`` cannot ask, and no one picking "*.tif" meant a PDF.
* **What does a container hold?** A GeoPackage is a database of layers: writing one layer must
  never drop the others.
"""
from __future__ import annotations

import os
import re
import sqlite3
from typing import Optional, Sequence

from ..errors import OutputError

# The numbers of a score style (its stretch and opacity): everything else is hsad's template.
_STYLE_NUMBERS = re.compile(r'\b(value|label|classificationMin|classificationMax|minimumValue|'
                            r'maximumValue|opacity)="(?:[-+0-9.eE]+|-?inf|nan)"')
MAX_STYLE_BYTES = 1 << 20
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _text(path: str, limit: int = MAX_STYLE_BYTES) -> str:
    try:
        if not os.path.isfile(path) or os.path.getsize(path) > limit:
            return ""
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return ""


def is_hsad_style(path: str) -> bool:
    """Whether ``path`` is a ``.qml`` hsad wrote (a score, mask or objects style), unchanged
    but for its numbers: such a style goes with the output it was written for."""
    text = _text(path)
    if not text:
        return False
    from .style import score_style_qml
    from .threshold_files import MASK_STYLE, OBJECTS_STYLE
    if _STYLE_NUMBERS.sub(r'\1=""', text) == _STYLE_NUMBERS.sub(r'\1=""', score_style_qml(0, 1)):
        return True
    return any(text == _text(style) for style in (MASK_STYLE, OBJECTS_STYLE))


def gdal_name(path: str):
    """``path`` as GDAL's bindings take it: a name that is not valid UTF-8 (its bytes kept as
    surrogates) goes as bytes, which they accept and a str they refuse ("not a string")."""
    from ..gdal_env import gdal_path
    return gdal_path(path)


def hsad_raster(path: str) -> str:
    """'score raster' or 'anomaly mask' when ``path`` is a raster hsad wrote, else ''."""
    from ..gdal_env import gdal
    from ..provenance import Provenance
    g = gdal()
    try:
        ds = g.OpenEx(gdal_name(path), g.OF_RASTER | g.OF_READONLY)
        metadata = ds.GetMetadata() or {}
        ds = None
    except (RuntimeError, UnicodeError):
        return ""
    found = Provenance.from_metadata(metadata)
    if found.method:
        return "score raster"
    if found.rule:
        return "anomaly mask"
    return ""


def geopackage_layers(path: str) -> Optional[list]:
    """The tables a GeoPackage lists (features, attributes, tiles), or None when ``path`` is
    not a GeoPackage. Read-only: the file is not locked, journalled or changed."""
    try:
        with open(path, "rb") as handle:
            if handle.read(16) != b"SQLite format 3\x00":
                return None
        uri = "file:" + _uri_path(path) + "?mode=ro&immutable=1"
        connection = sqlite3.connect(uri, uri=True)
        try:
            rows = connection.execute("SELECT table_name FROM gpkg_contents").fetchall()
        finally:
            connection.close()
    except (OSError, sqlite3.Error, UnicodeError):
        return None
    return [str(row[0]) for row in rows]


def _uri_path(path: str) -> str:
    from urllib.parse import quote
    return quote(os.path.abspath(path).replace(os.sep, "/"), safe="/")


def check_container(path: str, layer: str) -> None:
    """Refuse to replace a GeoPackage that holds anything but the one layer ``layer`` that
    hsad writes into it: the other layers would go with it."""
    if not os.path.isfile(path) or not path.lower().endswith(".gpkg"):
        return
    layers = geopackage_layers(path)
    if layers is None:
        return
    others = [name for name in layers if name != layer]
    if others:
        shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3
                                         else "")
        raise OutputError(f"{path}: is a GeoPackage holding other layers ({shown}); hsad "
                          "writes its layer only into a GeoPackage of its own, so that no "
                          "layer is lost: choose another file name")


def is_kind(path: str, kind: str) -> bool:
    """Whether the existing file ``path`` is of ``kind``: 'raster' or 'vector' (a format GDAL
    identifies as such; a GeoPackage can be both), or 'png'."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError:
        return False
    if kind == "png":
        return head == PNG_SIGNATURE
    from ..gdal_env import gdal
    g = gdal()
    flag = g.OF_RASTER if kind == "raster" else g.OF_VECTOR
    try:
        return g.IdentifyDriverEx(gdal_name(path), flag) is not None
    except (RuntimeError, UnicodeError):
        return False


KIND_WORDS = {"raster": "a raster", "vector": "a vector dataset", "png": "a PNG picture"}


def check_processing_output(path: str, kind: str, inputs: Sequence[str] = (),
                            side_cars: Sequence[str] = (), layer: str = "") -> None:
    """Processing's rule, before any work: an output never replaces an input of the run or an
    input's side-car, a link, a stream or a special file (``staging.check_target``); an existing
    file at the output name is replaced only when it is of the output's ``kind``; a side-car
    style only when hsad wrote it; a GeoPackage only when it holds nothing but ``layer``."""
    from .staging import check_target
    check_target(path, inputs, True, side_cars)
    if os.path.lexists(path):
        if not is_kind(path, kind):
            raise OutputError(f"{path}: exists and is not {KIND_WORDS[kind]}; Processing "
                              f"replaces an existing output only with one of its kind: move "
                              "it, or choose another name")
        if layer:
            check_container(path, layer)
    for side in side_cars:
        if side.lower().endswith(".qml") and os.path.lexists(side) and not is_hsad_style(side):
            raise OutputError(f"{path}: {side} is a style hsad did not write, and would be "
                              "replaced by the output's style: move it, or choose another name")
