#!/usr/bin/env bash
# CI's Debian 13 host path: in a root made by build_root.sh, a fresh `git clone` of this checkout's
# HEAD, then exactly what the README tells a new user: `make setup`, `make test` (and `make demo`),
# run as root inside the root with chroot (`make setup` uses apt and pip there, as on a host).
# usage: clone_in_root.sh SUITE [REF]      (REF: HEAD (default), a branch or a tag)
# The clone is made by the root's own git from a bundle of REF, in /ci/hsad; ../shared (the
# real scenes, when this checkout has them) is mounted read-only beside it, so the suite sees
# the same data as on the host. Logs: ${HSAD_COMPAT_OUT:-<checkout>/build/compat}/SUITE-clone/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$here/../.." && pwd)
. "$here/common.sh"
SUITE=${1:?usage: clone_in_root.sh SUITE [REF]}
REFNAME=${2:-HEAD}
REF=$(git -C "$REPO" rev-parse --verify "$REFNAME^{commit}") || die "no commit $REFNAME"
DIR=$ROOTS/$SUITE
OUT=${HSAD_COMPAT_OUT:-$REPO/build/compat}/$SUITE-clone
LIMIT=${HSAD_CLONE_LIMIT:-3600}   # seconds for setup, tests and demo together (CI has 90 minutes)
trap 'exit 130' INT; trap 'exit 143' TERM   # mount_root adds the unmounting

[ -e "$DIR/$STAMP_NAME" ] || die "no complete root at $DIR: run scripts/compat/build_root.sh $SUITE"
mount_root "$DIR"
rm -rf "$DIR/ci" "$OUT" && mkdir -p "$DIR/ci" "$OUT"
git -C "$REPO" bundle create -q "$DIR/ci/hsad.bundle" "$REFNAME" || die "cannot bundle $REFNAME (a branch, tag or HEAD)"
shared=$REPO/../shared
if [ -d "$shared" ]; then
    mkdir -p "$DIR/ci/shared"
    mount --bind "$(realpath "$shared")" "$DIR/ci/shared" && MOUNTED+=("$DIR/ci/shared")
    mount -o remount,bind,ro "$DIR/ci/shared"
fi

log "$SUITE: fresh clone of $(git -C "$REPO" rev-parse --short "$REF"), then make setup, make test, make demo"
rc=0
nice -n 10 timeout --foreground "$LIMIT" chroot "$DIR" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb \
    bash -euo pipefail -c '
        cd /ci && git -c init.defaultBranch=main -c advice.detachedHead=false clone -q hsad.bundle hsad
        cd hsad && git -c advice.detachedHead=false checkout -q --detach '"$REF"'
        stage() {  # NAME CMD...: output to /ci/NAME.log and here, seconds to /ci/stages.tsv
            local t0=$SECONDS rc=0; echo "== $1" >&2
            "${@:2}" > >(tee "/ci/$1.log") 2>&1 || rc=$?
            printf "%s\t%s\t%s\n" "$1" "$rc" "$((SECONDS - t0))" >> /ci/stages.tsv
            echo "== $1: exit $rc in $((SECONDS - t0)) s" >&2
            return $rc
        }
        stage setup make setup
        stage test make test
        stage demo make demo
    ' || rc=$?
cp "$DIR"/ci/*.log "$DIR"/ci/stages.tsv "$OUT"/ 2>/dev/null || true
[ $rc -ne 124 ] || die "$SUITE: setup, tests and demo ran past ${LIMIT} s"
[ $rc -eq 0 ] || die "$SUITE: a fresh clone failed (exit $rc): see $OUT/"
log "$SUITE: a fresh clone passes make setup, make test and make demo ($(awk -F'\t' '{printf "%s %s s  ", $1, $3}' "$OUT/stages.tsv"))"
