#!/usr/bin/env bash
# `make compat`: build (or reuse) each Debian root, run the checks with and without torch, and
# regenerate docs/compatibility.md. "host" runs the same checks on this machine with .venv.
# usage: run_all.sh [host] [trixie] [sid] ...   Exit status 1 when any check failed.
# HSAD_COMPAT_REF=<commit> tests that commit everywhere instead of the working tree.
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
status=0
for suite in "${suites[@]}"; do
    rm -rf "$OUT/$suite-build"
    if [ "$suite" != host ] && ! "$here/build_root.sh" "$suite" 2> >(tee "$errors" >&2); then
        # a root that cannot be built (e.g. sid's QGIS uninstallable today) is a row of the table
        mkdir -p "$OUT/$suite-build" && grep 'compat:' "$errors" | tail -1 > "$OUT/$suite-build/error.txt"
        rm -rf "$OUT/$suite-torch" "$OUT/$suite-notorch"; status=1; continue
    fi
    "$here/run_in_root.sh" "$suite" || status=1
done
python3 "$here/report.py" "$OUT" "$REPO/docs/compatibility.md"
exit $status
