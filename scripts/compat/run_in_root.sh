#!/usr/bin/env bash
# Run the compatibility checks (scripts/compat/steps.sh) in a root made by build_root.sh, with
# Debian's torch visible and with torch hidden; SUITE "host" runs them on this machine instead,
# with the checkout's .venv (`make setup`).
# usage: run_in_root.sh SUITE [torch|notorch ...]      (default: both)
# HSAD_COMPAT_REF=<commit> tests that commit (a local clone) instead of the working tree, so that
# every row of the table tests the same code while someone edits the checkout;
# HSAD_COMPAT_SRC=<folder> tests another folder (a patched copy, say).
# Results: ${HSAD_COMPAT_OUT:-<checkout>/build/compat}/<suite>-<mode>/ (steps.tsv, versions.json, logs).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$here/../.." && pwd)
. "$here/common.sh"
SUITE=${1:?usage: run_in_root.sh SUITE [torch|notorch ...]}; shift
MODES=${*:-torch notorch}
OUT=${HSAD_COMPAT_OUT:-$REPO/build/compat}
DIR=$ROOTS/$SUITE
trap 'exit 130' INT; trap 'exit 143' TERM   # stop after the current step (mount_root adds unmounting)
REF=${HSAD_COMPAT_REF:-}
SRC_DIR=$(cd "${HSAD_COMPAT_SRC:-$REPO}" && pwd)

snapshot() {  # DEST: the code under test, without the host's .venv and build outputs
    mkdir -p "$1"
    # with .git: `make package` (scripts/package.py) lists the plugin's files with git
    if [ -n "$REF" ]; then
        git clone -q --no-hardlinks "$REPO" "$1" && git -C "$1" checkout -q --detach "$REF" \
            || die "cannot check out $REF"
    else
        tar -C "$SRC_DIR" --exclude=./.venv --exclude=./.runtime --exclude=./.qgis-settings --exclude=./build \
            --exclude=./dist --exclude=__pycache__ -cf - . | tar -C "$1" -xf -
    fi
}

source_label() {  # what was tested, for the table
    local head changed
    head=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
    if [ -n "$REF" ]; then git -C "$REPO" rev-parse --short "$REF"
    elif [ "$SRC_DIR" != "$REPO" ]; then echo "$SRC_DIR"
    else
        changed=$(git -C "$REPO" --no-optional-locks status --porcelain 2>/dev/null | wc -l)
        echo "$head$([ "$changed" = 0 ] || echo " + $changed changed files")"
    fi
}

collect() {  # WORK DEST: keep the small result files, not the demo's rasters
    rm -rf "$2" && mkdir -p "$2"
    find "$1" -maxdepth 1 -type f \( -name '*.log' -o -name '*.json' -o -name '*.xml' -o -name '*.tsv' -o -name '*.err' \) \
        -exec cp {} "$2" \;
}

# On the host, .venv's `hsad` is the checkout itself; to test a snapshot, a throwaway venv on top
# of .venv (its packages through a .pth) whose `hsad` is the snapshot, also for subprocesses.
layered_venv() {  # DIR SRC
    local site
    /usr/bin/python3 -m venv --system-site-packages --without-pip "$1"
    site=$("$1/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    "$REPO/.venv/bin/python" -c "import sysconfig; print('import site; site.addsitedir(%r)' % sysconfig.get_paths()['purelib'])" \
        > "$site/hsad-dot-venv.pth"
    ln -s "$2" "$site/hsad"
    printf '#!%s\nimport sys\nfrom hsad.engine.cli.main import main\nif __name__ == "__main__":\n    sys.exit(main())\n' \
        "$1/bin/python" > "$1/bin/hsad" && chmod +x "$1/bin/hsad"
}

failed=0
report() {  # one line per failed step; exit status 1 when there is one
    local mode name rc seconds
    for mode in $MODES; do
        while IFS=$'\t' read -r name rc seconds; do
            [ "$rc" = 0 ] || { log "$SUITE-$mode: $name failed (exit $rc), see $OUT/$SUITE-$mode/$name.log"; failed=1; }
        done < "$OUT/$SUITE-$mode/steps.tsv"
    done
}

if [ "$SUITE" = host ]; then
    [ -x "$REPO/.venv/bin/python" ] || die "no $REPO/.venv: run 'make setup' first"
    label=$(source_label)
    for mode in $MODES; do
        work=$(mktemp -d /tmp/hsad-compat.XXXXXX)
        src=$REPO
        venv=$REPO/.venv
        if [ -n "$REF" ] || [ "$SRC_DIR" != "$REPO" ]; then
            src=$work/hsad venv=$work/venv
            snapshot "$src" && layered_venv "$venv" "$src" && ln -s "$venv" "$src/.venv"
        fi
        log "host, $mode"
        env -i HOME=/root LANG=C.UTF-8 PATH=/usr/local/bin:/usr/bin:/bin SRC="$src" VENV="$venv" \
            WORK="$work" TORCH=$([ "$mode" = torch ] && echo on || echo off) \
            nice -n 10 bash "$here/steps.sh"
        collect "$work" "$OUT/host-$mode"; echo "$label" > "$OUT/host-$mode/source.txt"; rm -rf "$work"
    done
    report
    exit $failed
fi

[ -e "$DIR/$STAMP_NAME" ] || die "no complete root at $DIR: run scripts/compat/build_root.sh $SUITE"
mount_root "$DIR"
# A copy of the code (a snapshot: the tests may write into it) with the root's venv as .venv,
# so tests/support.py finds `.venv/bin` exactly as on the host.
rm -rf "$DIR$SRC_IN_ROOT"
snapshot "$DIR$SRC_IN_ROOT"
label=$(source_label)
ln -sfn /opt/hsad-venv "$DIR$SRC_IN_ROOT/.venv"
mkdir -p "$DIR/hsad-run" && cp "$here/steps.sh" "$DIR/hsad-run/steps.sh"   # the snapshot of a commit may lack it
for mode in $MODES; do
    log "$SUITE, $mode"
    rm -rf "$DIR/hsad-run/$mode" && mkdir -p "$DIR/hsad-run/$mode"
    nice -n 10 chroot "$DIR" /usr/bin/env -i HOME=/root LANG=C.UTF-8 PATH=/usr/local/bin:/usr/bin:/bin \
        SRC="$SRC_IN_ROOT" VENV=/opt/hsad-venv WORK="/hsad-run/$mode" TORCH=$([ "$mode" = torch ] && echo on || echo off) \
        bash /hsad-run/steps.sh
    collect "$DIR/hsad-run/$mode" "$OUT/$SUITE-$mode"; echo "$label" > "$OUT/$SUITE-$mode/source.txt"
done
report
exit $failed
