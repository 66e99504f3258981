#!/usr/bin/env bash
# The checks of one compatibility row, run where QGIS is (inside a root by run_in_root.sh, or on
# the host): versions, the Processing tests, the engine tests, the demo (RX and default method)
# and a qgis_process smoke test. Each step's exit status and seconds go to $WORK/steps.tsv, its
# output to $WORK/<step>.log.
# Environment: SRC (the checkout), VENV (Python environment), WORK (empty folder), TORCH=on|off.
set -uo pipefail   # no -e: a failing step is recorded and the next one runs
trap 'echo "steps.sh: interrupted" >&2; exit 130' INT TERM
: "${SRC:?}" "${VENV:?}" "${WORK:?}" "${TORCH:?}"
PY=$VENV/bin/python
cd "$WORK"
mkdir -p plugins xdg-data xdg-runtime home tmp && chmod 700 xdg-runtime
ln -sfn "$SRC" plugins/hsad    # QGIS's plugin folder holds `hsad`, whatever the checkout is called
export QT_QPA_PLATFORM=offscreen QGIS_PLUGINPATH=$WORK/plugins XDG_DATA_HOME=$WORK/xdg-data \
       XDG_RUNTIME_DIR=$WORK/xdg-runtime HOME=$WORK/home PATH=$VENV/bin:$PATH TMPDIR=$WORK/tmp
export PYTHONPATH=$WORK/plugins   # `import hsad` is the code under test, before any installed link
if [ "$TORCH" = off ]; then    # torch hidden the way tests/plugin/test_without_torch.py hides it
    mkdir -p shadow
    echo "raise ModuleNotFoundError('No module named torch (hidden by scripts/compat)', name='torch')" > shadow/torch.py
    export PYTHONPATH=$WORK/shadow:$PYTHONPATH
fi
export QP=$(command -v qgis_process.bin || command -v qgis_process || echo qgis_process.bin)
: > steps.tsv

step() {  # NAME TIMEOUT CMD...
    local name=$1 limit=$2 t0=$SECONDS rc; shift 2
    local cmd="$*"; echo "== $name: ${cmd:0:160}" >&2
    # --foreground: Ctrl-C reaches the command (timeout would otherwise shield it in its own group)
    timeout --foreground "$limit" "$@" > "$name.log" 2>&1; rc=$?
    printf '%s\t%s\t%s\n' "$name" "$rc" "$((SECONDS - t0))" >> steps.tsv
    echo "== $name: exit $rc in $((SECONDS - t0)) s" >&2
}

"$PY" - > versions.json 2> versions.err <<'PYEOF'
import json, os, platform, sys
v = {"python": platform.python_version(), "qgis_process": os.environ.get("QP", "")}
try:
    v["debian"] = open("/etc/debian_version").read().strip()
    v["os"] = dict(l.strip().split("=", 1) for l in open("/etc/os-release") if "=" in l)["PRETTY_NAME"].strip('"')
except OSError:
    pass
import numpy; v["numpy"] = numpy.__version__
from osgeo import gdal; v["gdal"] = gdal.__version__
from qgis.core import Qgis; v["qgis"] = Qgis.QGIS_VERSION
from qgis.PyQt.QtCore import QT_VERSION_STR, PYQT_VERSION_STR; v["qt"] = QT_VERSION_STR; v["pyqt"] = PYQT_VERSION_STR
for name in ("rasterio", "scipy", "pytest", "pytest_qgis"):
    try:
        v[name] = __import__(name).__version__
    except Exception as exc:
        v[name] = None
try:
    import torch; v["torch"] = torch.__version__
except Exception as exc:
    v["torch"] = None; v["torch_error"] = f"{type(exc).__name__}: {exc}"
print(json.dumps(v))
PYEOF
cat versions.json versions.err >&2

# (a) the Processing tests, in the checkout as `make test` runs them
step pytest 2400 bash -c "cd '$SRC' && exec '$PY' -X faulthandler -m pytest -q tests/plugin --junitxml='$WORK/pytest.xml'"
# (a') the engine's own tests (numpy, GDAL, scipy; no QGIS), the quick ones
step engine 1800 bash -c "cd '$SRC' && exec '$PY' -X faulthandler -m pytest -q tests/engine -m 'not slow' --junitxml='$WORK/engine.xml'"
# (b) the demo through qgis_process: global RX, then the default method (falls back to RX without torch)
step demo-rx 900 "$PY" "$SRC/scripts/demo.py" --method rx --out "$WORK/demo-rx"
step demo-default 900 "$PY" "$SRC/scripts/demo.py" --out "$WORK/demo-default"
# (c) the smallest qgis_process check: enable hsad, run hsad:detect with global RX on a cube
cat > smoke.sh <<SMOKE
set -e
'$PY' -c '
import numpy as np
from osgeo import gdal, osr
gdal.UseExceptions()
rng = np.random.default_rng(0)
cube = rng.normal(1000, 5, size=(30, 40, 36)).astype(np.float32)   # bands, rows, cols
cube[:, 7, 9] += 150 * np.sin(np.linspace(0, 6, 30))
ds = gdal.GetDriverByName("ENVI").Create("smoke.bsq", 36, 40, 30, gdal.GDT_Float32)
srs = osr.SpatialReference(); srs.ImportFromEPSG(32633)
ds.SetProjection(srs.ExportToWkt()); ds.SetGeoTransform([500000, 30, 0, 4100000, 0, -30])
ds.WriteRaster(0, 0, 36, 40, cube.tobytes()); ds = None
'
'$QP' plugins enable hsad
# METHOD by name (string-valued enum) or, for older hsad, by position (1 = global RX)
'$QP' --json run hsad:detect -- INPUT=$WORK/smoke.bsq METHOD=rx OUTPUT=$WORK/smoke_rx.tif > smoke.json \\
  || '$QP' --json run hsad:detect -- INPUT=$WORK/smoke.bsq METHOD=1 OUTPUT=$WORK/smoke_rx.tif > smoke.json
'$PY' -c '
import json, numpy as np
from osgeo import gdal
gdal.UseExceptions()
text = open("smoke.json").read(); report = json.loads(text[text.index("{"):])
score = gdal.Open(report["results"]["OUTPUT"]).ReadAsArray()
peak = np.unravel_index(np.argmax(score), score.shape)
print("qgis", report.get("qgis_version"), "score", score.shape, "peak at", peak)
assert peak == (7, 9), peak
'
SMOKE
step smoke 300 bash smoke.sh
exit 0
