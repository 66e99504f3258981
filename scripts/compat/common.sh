# Shared by build_root.sh and run_in_root.sh (sourced, not run).
# A root is a Debian tree made by debootstrap; the kernel file systems it needs are mounted only
# while a command runs in it, and always unmounted again (trap on EXIT, Ctrl-C and TERM).

ROOTS=${HSAD_ROOTS:-/var/cache/hsad/roots}   # outside the checkout: a fresh clone reuses them
MIRROR=${HSAD_MIRROR:-http://deb.debian.org/debian}
STAMP_NAME=.hsad-root-complete               # written last by build_root.sh
# Where run_in_root.sh puts the code in a root: a folder named hsad, as QGIS's plugin folder and
# `make setup` name it (pytest cannot import a checkout whose folder is no Python name).
SRC_IN_ROOT=/src/hsad

die() { echo "compat: $*" >&2; exit 1; }
log() { echo "compat: $*" >&2; }

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, mount and chroot)"

# Packages the plugin and its tests need, as in the Makefile's APT_PKGS, plus Debian's torch,
# git (scripts/package.py lists the plugin's files with it; clone_in_root.sh clones with it) and make.
# (trixie: python3-torch 2.6; sid: whatever the day's unstable has.)
ROOT_PKGS="qgis python3-qgis qgis-providers gdal-bin python3-gdal python3-rasterio python3-scipy
 python3-h5py python3-matplotlib python3-sklearn python3-tqdm python3-dask python3-distributed
 python3-threadpoolctl python3-pytest python3-venv python3-torch libopenblas0-pthread ca-certificates git make"

# apt options per suite: sid's Release file on the mirror may be past its Valid-Until date.
apt_opts() { [ "$1" = sid ] && echo "-o Acquire::Check-Valid-Until=false" || true; }

MOUNTED=()   # mount points in the order they were mounted

mount_root() {  # DIR: /proc, /dev/shm (multiprocessing semaphores), /dev/pts (apt, dpkg)
    local dir=$1
    # one build or run per root at a time: a second one would unmount the first one's mounts
    exec 9> "$dir.lock"
    flock -n 9 || die "another build_root.sh or run_in_root.sh is using $dir"
    trap unmount_root EXIT
    trap 'unmount_root; exit 130' INT
    trap 'unmount_root; exit 143' TERM
    unmount_stale "$dir"
    mkdir -p "$dir/proc" "$dir/dev/shm" "$dir/dev/pts"
    mount -t proc proc "$dir/proc" && MOUNTED+=("$dir/proc")
    mount -t tmpfs -o mode=1777,size=2g shm "$dir/dev/shm" && MOUNTED+=("$dir/dev/shm")
    mount -t devpts -o newinstance,ptmxmode=0666 devpts "$dir/dev/pts" && MOUNTED+=("$dir/dev/pts")
    cp -L /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || true   # pip and apt inside
}

unmount_root() {  # reverse order; lazy unmount as the fallback for a busy mount
    local i
    for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
        umount "${MOUNTED[i]}" 2>/dev/null || umount -l "${MOUNTED[i]}" || log "could not unmount ${MOUNTED[i]}"
    done
    MOUNTED=()
}

unmount_stale() {  # mounts left under DIR by a run that was killed with -9
    local dir m
    dir=$(realpath "$1")
    findmnt -rn -o TARGET | awk -v d="$dir/" 'index($0, d) == 1' | sort -r | while read -r m; do
        log "unmounting stale $m"; umount "$m" 2>/dev/null || umount -l "$m"
    done
}

in_root() {  # DIR CMD...: run CMD in the root with a clean environment (proxy settings kept)
    local dir=$1 v keep=(); shift
    for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY PIP_INDEX_URL; do
        [ -z "${!v:-}" ] || keep+=("$v=${!v}")
    done
    chroot "$dir" /usr/bin/env -i HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "${keep[@]}" "$@"
}
