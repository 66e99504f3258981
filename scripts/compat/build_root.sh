#!/usr/bin/env bash
# Build, or reuse, a Debian root with QGIS, GDAL, numpy and Debian's torch, for compatibility runs.
# usage: build_root.sh SUITE [DIR]
#   SUITE  trixie (Debian 13: QGIS 3.40 LTR) or sid (unstable: the newest QGIS)
#   DIR    default ${HSAD_ROOTS:-/var/cache/hsad/roots}/SUITE
# A root whose debootstrap did not finish is deleted and built again; after that every step checks
# what is there (missing packages, pytest-qgis) and only does what is missing, so a rerun after a
# failure or Ctrl-C resumes. DIR/.hsad-root-complete is written last: run_in_root.sh needs it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
SUITE=${1:?usage: build_root.sh SUITE [DIR]}
DIR=${2:-$ROOTS/$SUITE}
VENV=/opt/hsad-venv   # inside the root: pytest-qgis on top of Debian's packages
started=$SECONDS

command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
[ -e "/usr/share/debootstrap/scripts/$SUITE" ] || die "debootstrap has no script for suite '$SUITE'"

if [ ! -e "$DIR/.hsad-debootstrap-done" ]; then
    if [ -d "$DIR" ] && [ -n "$(ls -A "$DIR")" ]; then
        [ -e "$DIR/debootstrap" ] || [ -e "$DIR/etc/debian_version" ] \
            || die "$DIR is neither empty nor a Debian root: refusing to delete it"
        unmount_stale "$DIR"
        log "removing the half-built root $DIR"
        rm -rf --one-file-system "$DIR"
    fi
    mkdir -p "$DIR"
    log "debootstrap $SUITE into $DIR (a few minutes)"
    nice -n 10 debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$DIR" "$MIRROR" \
        > "$DIR.debootstrap.log" 2>&1 || die "debootstrap failed, see $DIR.debootstrap.log"
    # no daemons started by package scripts inside the root
    printf '#!/bin/sh\nexit 101\n' > "$DIR/usr/sbin/policy-rc.d" && chmod +x "$DIR/usr/sbin/policy-rc.d"
    echo "deb $MIRROR $SUITE main" > "$DIR/etc/apt/sources.list"
    touch "$DIR/.hsad-debootstrap-done"
else
    log "reusing $DIR"
fi

mount_root "$DIR"
# shellcheck disable=SC2086
missing=$(in_root "$DIR" dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' $ROOT_PKGS 2>&1 \
          | awk '$1 != "ii" {print $NF}' || true)
if [ -n "$missing" ]; then
    log "installing in the root: $(echo $missing)"
    in_root "$DIR" dpkg --configure -a > "$DIR.apt.log" 2>&1   # finishes an interrupted install
    in_root "$DIR" apt-get $(apt_opts "$SUITE") update -qq
    # shellcheck disable=SC2086
    in_root "$DIR" nice -n 10 apt-get $(apt_opts "$SUITE") install -y -q --no-install-recommends $ROOT_PKGS >> "$DIR.apt.log" 2>&1 \
        || die "apt-get install failed in $DIR (QGIS uninstallable on $SUITE today?): $(grep -E '^(E:| [a-z0-9.+-]+ : Depends)' "$DIR.apt.log" | head -5 | tr '\n' ' ') -- see $DIR.apt.log"
    in_root "$DIR" apt-get clean
fi

# The host's own CAs too (a proxy that re-signs TLS), so pip inside trusts what the host trusts.
if [ -n "$(ls /usr/local/share/ca-certificates 2>/dev/null)" ]; then
    cp -a /usr/local/share/ca-certificates/. "$DIR/usr/local/share/ca-certificates/"
    in_root "$DIR" update-ca-certificates > /dev/null 2>&1
fi
# pytest-qgis from PyPI in a venv that sees Debian's packages; the constraints pin every Debian
# Python package (numpy, GDAL, rasterio, torch, ...) so pip can never replace one.
if ! in_root "$DIR" "$VENV/bin/python" -c "import pytest_qgis" 2>/dev/null; then
    log "venv $VENV with pytest-qgis"
    in_root "$DIR" /usr/bin/python3 -m venv --system-site-packages "$VENV"
    in_root "$DIR" /usr/bin/python3 -c "import importlib.metadata as m
print('\n'.join(sorted({f'{d.metadata[\"Name\"]}=={d.version}' for d in m.distributions()})))" \
        > "$DIR$VENV/debian-constraints.txt"
    in_root "$DIR" "$VENV/bin/pip" install -q --disable-pip-version-check \
        -c "$VENV/debian-constraints.txt" pytest-qgis \
        || die "pip install pytest-qgis failed in $DIR"
fi
# `import hsad` and the `hsad` command, as `make link` does on the host (the code: run_in_root.sh)
site=$(in_root "$DIR" "$VENV/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
ln -sfn "$SRC_IN_ROOT" "$DIR$site/hsad"
printf '#!%s\nimport sys\nfrom hsad.engine.cli.main import main\nif __name__ == "__main__":\n    sys.exit(main())\n' \
    "$VENV/bin/python" > "$DIR$VENV/bin/hsad" && chmod +x "$DIR$VENV/bin/hsad"

in_root "$DIR" "$VENV/bin/python" -c "
import sys, numpy, osgeo.gdal as g, qgis.core as q
try:
    import torch; t = torch.__version__
except Exception as e:
    t = f'none ({e})'
print('$SUITE: QGIS', q.Qgis.QGIS_VERSION, '| Python', sys.version.split()[0], '| numpy', numpy.__version__,
      '| GDAL', g.__version__, '| torch', t)" || die "QGIS/GDAL/numpy do not import in $DIR"
[ -x "$DIR/usr/bin/qgis_process.bin" ] || [ -x "$DIR/usr/bin/qgis_process" ] || die "no qgis_process in $DIR"

[ -e "$DIR/$STAMP_NAME" ] || { date -u +%FT%TZ > "$DIR/$STAMP_NAME"; log "built $DIR in $((SECONDS - started)) s"; }
