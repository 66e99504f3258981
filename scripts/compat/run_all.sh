#!/usr/bin/env bash
# `make compat`: build (or reuse) each Debian root, run the checks with and without torch, and
# regenerate docs/compatibility.md. "host" runs the same checks on this machine with .venv.
# usage: run_all.sh [host] [trixie] [sid] ...   Exit status 1 when any check failed.
# HSAD_COMPAT_REF=<commit> tests that commit everywhere instead of the working tree;
# HSAD_COMPAT_OUT (results, default build/compat) and HSAD_COMPAT_DOC (the table) move the outputs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$here/../.." && pwd)
OUT=${HSAD_COMPAT_OUT:-$REPO/build/compat}
suites=("$@"); [ $# -gt 0 ] || suites=(host trixie sid)
if [ -n "${HSAD_COMPAT_REF:-}" ]; then   # one commit for every row, even if HEAD moves meanwhile
    HSAD_COMPAT_REF=$(git -C "$REPO" rev-parse --verify "$HSAD_COMPAT_REF^{commit}") || exit 2
    export HSAD_COMPAT_REF
fi
mkdir -p "$OUT"
errors=$(mktemp); trap 'rm -f "$errors"' EXIT
trap 'exit 130' INT; trap 'exit 143' TERM   # Ctrl-C stops everything, not just the current suite
status=0
for suite in "${suites[@]}"; do
    rm -rf "$OUT/$suite-build"
    if [ "$suite" != host ]; then
        # its messages (stderr) both shown and kept; pipefail gives build_root.sh's exit status
        rc=0; { "$here/build_root.sh" "$suite" 2>&1 1>&3 | tee "$errors" >&2; } 3>&1 || rc=$?
        [ $rc -lt 128 ] || exit $rc
        if [ $rc -ne 0 ]; then  # a root that cannot be built (sid's QGIS uninstallable today, say) is a row
            mkdir -p "$OUT/$suite-build" && grep 'compat:' "$errors" | tail -1 > "$OUT/$suite-build/error.txt"
            rm -rf "$OUT/$suite-torch" "$OUT/$suite-notorch"; status=1; continue
        fi
    fi
    rc=0; "$here/run_in_root.sh" "$suite" || rc=$?
    [ $rc -lt 128 ] || exit $rc
    [ $rc -eq 0 ] || status=1
done
python3 "$here/report.py" "$OUT" "${HSAD_COMPAT_DOC:-$REPO/docs/compatibility.md}"
exit $status
