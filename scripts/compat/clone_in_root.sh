#!/usr/bin/env bash
# CI's Debian 13 host path: in a root made by build_root.sh, a fresh `git clone` of this checkout,
# then exactly what the README tells a new user: `make setup`, `make test` (and `make demo`), as
# root inside the root with chroot (`make setup` uses apt and pip there, as on a host).
# usage: clone_in_root.sh SUITE [REF]      (REF: HEAD (default), a branch or a tag)
# The root's own git clones a bundle of REF into /ci/hsad; ../shared (the real scenes, when this
# checkout has them) is mounted read-only beside it, so the suite sees the same data as here.
# Results (stages.tsv, the logs, debian_version): ${HSAD_COMPAT_OUT:-<checkout>/build/compat}/SUITE-clone/;
# scripts/compat/report.py puts them in docs/compatibility.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$here/../.." && pwd)
. "$here/common.sh"
SUITE=${1:?usage: clone_in_root.sh SUITE [REF]}
REFNAME=${2:-HEAD}
REF=$(git -C "$REPO" rev-parse --verify "$REFNAME^{commit}") || die "no commit $REFNAME"
OUT=${HSAD_COMPAT_OUT:-$REPO/build/compat}/$SUITE-clone
LIMIT=${HSAD_CLONE_LIMIT:-3600}   # seconds for setup, tests and demo together (CI has 90 minutes)
trap 'exit 130' INT; trap 'exit 143' TERM   # mount_root adds the unmounting
DIR=$ROOTS/$SUITE
shared=$REPO/../shared

# What runs in the root, in /ci (CI): the clone, then one stage per command.
STAGES='
    cd "$CI" && git -c init.defaultBranch=main -c advice.detachedHead=false clone -q hsad.bundle hsad
    cd hsad && git -c advice.detachedHead=false checkout -q --detach "$REF"
    cat /etc/debian_version > "$CI/debian_version" 2>/dev/null || true
    stage() {  # NAME CMD...: output to $CI/NAME.log and here, exit status and seconds to $CI/stages.tsv
        local t0=$SECONDS rc=0; echo "== $1" >&2
        "${@:2}" > >(tee "$CI/$1.log") 2>&1 || rc=$?
        printf "%s\t%s\t%s\n" "$1" "$rc" "$((SECONDS - t0))" >> "$CI/stages.tsv"
        echo "== $1: exit $rc in $((SECONDS - t0)) s" >&2
        return $rc
    }
    stage setup make setup
    stage test make test
    stage demo make demo
'

[ -e "$DIR/$STAMP_NAME" ] || die "no complete root at $DIR: run scripts/compat/build_root.sh $SUITE"
mount_root "$DIR"
rm -rf "$DIR/ci" && mkdir -p "$DIR/ci"
# the root's /tmp holds only what the last run left (pytest and QGIS: 2.6 GB after one make test)
rm -rf --one-file-system "$DIR/tmp" && mkdir -m 1777 "$DIR/tmp"
git -C "$REPO" bundle create -q "$DIR/ci/hsad.bundle" "$REFNAME" || die "cannot bundle $REFNAME (a branch, tag or HEAD)"
if [ -d "$shared" ]; then
    mkdir -p "$DIR/ci/shared"
    mount --bind "$(realpath "$shared")" "$DIR/ci/shared" && MOUNTED+=("$DIR/ci/shared")
    mount -o remount,bind,ro "$DIR/ci/shared"
fi
rc=0
log "$SUITE: fresh clone of $(git -C "$REPO" rev-parse --short "$REF"), then make setup, make test, make demo"
nice -n 10 timeout --foreground "$LIMIT" chroot "$DIR" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb CI=/ci REF="$REF" \
    bash -euo pipefail -c "$STAGES" || rc=$?
rm -rf "$OUT" && mkdir -p "$OUT"
cp "$DIR"/ci/*.log "$DIR"/ci/stages.tsv "$DIR"/ci/debian_version "$OUT"/ 2>/dev/null || true
git -C "$REPO" rev-parse --short "$REF" > "$OUT/source.txt"
[ $rc -ne 124 ] || die "$SUITE: setup, tests and demo ran past ${LIMIT} s"
[ $rc -eq 0 ] || die "$SUITE: a fresh clone failed (exit $rc): see $OUT/"
log "$SUITE: a fresh clone passes make setup, make test and make demo ($(awk -F'\t' '{printf "%s %s s, ", $1, $3}' "$OUT/stages.tsv" | sed 's/, $//'))"
