#!/usr/bin/env bash
# `make setup`: give .venv a CPU build of torch (training, and the tests that compare the numpy
# and torch networks), and never let pip fetch a CUDA build (gigabytes, and no use here).
# usage: torch.sh VENV_PYTHON DEBIAN_CONSTRAINTS
# The first of these that applies:
#   1. torch >= $MIN already imports in the venv (a rerun, or Debian's python3-torch): keep it.
#   2. pip finds the CPU wheel torch==$HSAD_TORCH (default 2.13.0+cpu) for this Python: a local
#      wheel folder, or PyTorch's CPU index if the user names it
#      (PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu make setup). The "+cpu" local
#      version is what keeps pip off PyPI's CUDA builds: PyPI has no "+cpu" file to match.
#   3. Debian's python3-torch (a CPU build; Debian 13 has 2.6) with apt, when Debian's is recent
#      enough; then DEBIAN_CONSTRAINTS is written again, so that pip never replaces it either.
# Otherwise it stops with the command that would give it a CPU torch.
set -euo pipefail
PY=${1:?usage: torch.sh VENV_PYTHON DEBIAN_CONSTRAINTS}
DEB_CONSTRAINTS=${2:?usage: torch.sh VENV_PYTHON DEBIAN_CONSTRAINTS}
here=$(cd "$(dirname "$0")" && pwd)
PIN=${HSAD_TORCH:-2.13.0+cpu}
MIN=2.0   # the oldest torch hsad is tested with: Debian 13's python3-torch is 2.6
pip_opts=(-q --disable-pip-version-check)

at_least() {  # VERSION: true when VERSION (PEP 440 or Debian's, epoch and suffixes allowed) >= MIN
    "$PY" -c "import re, sys
v = re.sub(r'^\d+:', '', sys.argv[1])
have = tuple(int(p) for p in re.findall(r'\d+', v)[:2])
sys.exit(0 if have >= tuple(int(p) for p in sys.argv[2].split('.')) else 1)" "$1" "$MIN"
}
installed() { (cd / && "$PY" -c "import torch; print(torch.__version__)") 2>/dev/null; }
where() { (cd / && "$PY" -c "import torch; print(torch.__file__.rsplit('/', 2)[0])"); }

if v=$(installed) && at_least "$v"; then
    echo "torch $v (from $(where))"
    exit 0
fi
[ -z "${v:-}" ] || { echo "torch $v in $(where) is older than $MIN: hsad needs a newer one" >&2; exit 1; }

if "$PY" -m pip install "${pip_opts[@]}" --dry-run --no-deps "torch==$PIN" > /dev/null 2>&1; then
    echo "installing torch==$PIN (CPU build) with pip"
    "$PY" -m pip install "${pip_opts[@]}" -c "$here/../../constraints.txt" -c "$DEB_CONSTRAINTS" "torch==$PIN"
else
    python=$("$PY" -c 'import sys; print("Python %d.%d" % sys.version_info[:2])')
    candidate=$(apt-cache policy python3-torch 2>/dev/null | awk '/Candidate:/ {print $2}')
    if [ -z "$candidate" ] || [ "$candidate" = "(none)" ] || ! at_least "$candidate"; then
        echo "no CPU torch for $python: pip has no torch==$PIN and Debian's python3-torch is" \
             "${candidate:-missing}. Rerun with PyTorch's CPU wheels:" \
             "PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu make setup" >&2
        exit 1
    fi
    echo "pip has no torch==$PIN for $python: installing Debian's python3-torch $candidate (CPU) with apt"
    sudo=$([ "$(id -u)" -eq 0 ] || echo sudo)
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-torch > /dev/null
    /usr/bin/python3 "$here/debian_constraints.py" > "$DEB_CONSTRAINTS"
fi
v=$(installed) || { echo "torch does not import in $PY after its install" >&2; exit 1; }
echo "torch $v (from $(where))"
