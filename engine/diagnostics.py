"""What hsad finds on this machine, as a report a user can paste into a bug report.

``hsad doctor`` prints it and the QGIS plugin can show the same text. QGIS and torch are probed
in a child Python (the engine never imports either, and a broken CUDA install must not take the
report down with it); everything else is imported here. Each missing piece comes with the exact
command that installs it.
"""
from __future__ import annotations

import importlib
import json
import os
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass
from typing import Optional

from ..version import __version__

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))

# (module, label, Debian package, what needs it): imported here to read their versions.
LIBRARIES = (
    ("numpy", "numpy", "python3-numpy", None),
    ("osgeo.gdal", "gdal", "python3-gdal gdal-bin", None),
    ("scipy", "scipy", "python3-scipy", None),
    ("h5py", "h5py", "python3-h5py", "MATLAB v7.3 scenes"),
    ("tqdm", "tqdm", "python3-tqdm", "progress bars"),
    ("dask", "dask", "python3-dask", "hsad batch --workers/--scheduler"),
    ("distributed", "distributed", "python3-distributed", "hsad batch --workers/--scheduler"),
)

_TORCH_PROBE = """
import json
out = {}
try:
    import torch
    out["version"] = torch.__version__
    out["cuda_build"] = torch.version.cuda
    out["cuda_available"] = bool(torch.cuda.is_available())
    if out["cuda_available"]:
        out["gpus"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    out["device"] = "cuda" if out["cuda_available"] else "cpu"
except Exception as exc:
    out["error"] = " ".join(str(exc).split()) or type(exc).__name__
print(json.dumps(out))
"""
_QGIS_PROBE = """
import json
try:
    from qgis.core import Qgis
    print(json.dumps({"version": Qgis.QGIS_VERSION}))
except Exception as exc:
    print(json.dumps({"error": " ".join(str(exc).split()) or type(exc).__name__}))
"""


@dataclass
class Check:
    """One line of the report: what was found, whether it is usable, and how to fix it if not."""

    name: str
    value: str
    ok: bool = True
    fix: str = ""  # the command that installs what is missing
    required: bool = False  # hsad cannot score anything without it


def collect(qgis_version: Optional[str] = None, timeout: float = 120.0) -> list:
    """Every check, in report order. ``qgis_version``: pass it from inside QGIS (no probe)."""
    probes = {"torch": _start_probe(_TORCH_PROBE)}
    if qgis_version is None:
        probes["qgis"] = _start_probe(_QGIS_PROBE)
    checks = [Check("hsad", f"{__version__} at {PACKAGE_DIR}", required=True),
              Check("python", f"{platform.python_version()} ({sys.executable}) on "
                    f"{platform.platform(terse=True)}", required=True)]
    if qgis_version is not None:
        checks.append(Check("qgis", qgis_version))
    else:
        found = _finish_probe(probes["qgis"], timeout)
        checks.append(Check("qgis", found.get("version") or f"not importable ({found['error']}); "
                            "only the QGIS plugin needs it", "version" in found,
                            "" if "version" in found else "sudo apt-get install qgis python3-qgis"))
    checks += [_library_check(*entry) for entry in LIBRARIES]
    checks.append(blas_check())
    torch_found = _finish_probe(probes["torch"], timeout)
    checks += _torch_checks(torch_found)
    checks.append(weights_check())
    checks.append(inference_check(torch_found))
    return checks


def weights_check(folder: Optional[str] = None) -> Check:
    """The shipped weights: present, and matching the sha256 their manifest records?"""
    from .methods.twobranch.weights import archive_path, check_integrity, read_manifest
    from .errors import DependencyError
    fix = "reinstall the plugin, or rebuild the weights with: hsad train (needs PyTorch)"
    try:
        manifest, path = check_integrity(folder)
    except DependencyError as exc:
        return Check("weights", f"{exc}; the twobranch method is unavailable, rx and lrx work",
                     False, fix)
    digest = manifest["weights_sha256"]
    return Check("weights", f"{path}, sha256 {digest} (matches the manifest), model "
                 f"{manifest.get('model_version', 'unversioned')}")


def blas_check() -> Check:
    """Which library numpy's matrix products reach in this process, measured: inside QGIS,
    GSL's reference CBLAS (linked by QGIS itself) shadows numpy's OpenBLAS, which
    threadpoolctl does not show; hsad then routes its products through scipy's BLAS."""
    from .linalg import blas_report
    try:
        return Check("blas", blas_report().line())
    except Exception as exc:  # ctypes or BLAS trouble: say so, do not take the report down
        return Check("blas", f"not measured ({' '.join(str(exc).split()) or type(exc).__name__})")


def inference_check(torch_found: dict) -> Check:
    """Which path the pretrained detector runs on here (what --device auto picks)."""
    from .accelerator import gpu_present
    if torch_found.get("cuda_available"):
        return Check("inference", "twobranch runs in PyTorch on the GPU (cuda) with --device "
                     "auto; --device cpu runs it in numpy")
    note = "" if not gpu_present() else " (a GPU is present but PyTorch cannot use it)"
    return Check("inference", f"twobranch runs in numpy on the CPU{note}; nothing to install")


def format_report(checks: list, columns: Optional[int] = None) -> str:
    """The plain-text report: one line per check, then what is missing and how to install it.
    ``columns``: wrap longer lines there, continuations indented (for a dialog of that width)."""
    width = max(len(c.name) for c in checks + [Check("missing", "")]) + 2
    lines = ["hsad doctor report (copy all of it into a bug report)"]
    lines += [_wrapped(f"{c.name:<{width}}{c.value}", columns, width) for c in checks]
    missing = [c for c in checks if not c.ok]
    lines.append(f"{'missing':<{width}}" + (f"{len(missing)}, install with:" if missing
                                            else "nothing"))
    lines += [_wrapped(f"  {c.name}{' (required)' if c.required else ''}: {c.fix}", columns, 4)
              for c in missing]
    return "\n".join(lines)


def _wrapped(line: str, columns: Optional[int], indent: int) -> str:
    """A line broken at spaces to ``columns`` (words longer than that stay whole)."""
    if not columns or len(line) <= columns:
        return line
    import textwrap
    return "\n".join(textwrap.wrap(line, columns, subsequent_indent=" " * indent,
                                    break_long_words=False, break_on_hyphens=False))


def report_dict(checks: list) -> dict:
    return {"checks": [asdict(c) for c in checks],
            "missing": [{"name": c.name, "required": c.required, "fix": c.fix}
                        for c in checks if not c.ok]}


def usable(checks: list) -> bool:
    """Everything hsad needs to score a scene with RX is here."""
    return all(c.ok for c in checks if c.required)


def _library_check(module: str, label: str, debian: str, needed_for: Optional[str]) -> Check:
    try:
        imported = importlib.import_module(module)
    except Exception as exc:  # ImportError, or a broken binary module
        reason = " ".join(str(exc).split()) or type(exc).__name__
        what = f"; needed for {needed_for}" if needed_for else ""
        return Check(label, f"not importable ({reason}){what}", False,
                     f"sudo apt-get install {debian}", required=needed_for is None)
    return Check(label, str(getattr(imported, "__version__", "unknown version")),
                 required=needed_for is None)


def _torch_checks(found: dict) -> list:
    if "version" not in found:
        from .install_hints import torch_install_command
        return [Check("torch", f"not importable ({found.get('error')}); only training, the GPU "
                      "path and the ferd method need it", False, torch_install_command()),
                Check("cuda", "unknown (no torch)"),
                Check("device", "cpu (numpy) for every method")]
    if found.get("cuda_available"):
        gpus = found.get("gpus") or []
        cuda = f"{found.get('cuda_build')} with {len(gpus)} GPU(s): {', '.join(gpus)}"
    elif found.get("cuda_build"):
        cuda = f"torch built for CUDA {found['cuda_build']}, but no GPU is visible"
    else:
        cuda = "not available (this torch is a CPU build)"
    return [Check("torch", found["version"]), Check("cuda", cuda),
            Check("device", f"{found.get('device', 'cpu')} (what --device auto uses)")]


def _start_probe(code: str) -> subprocess.Popen:
    """Run ``code`` in the interpreter of this environment (inside QGIS, ``sys.executable`` is
    QGIS itself, not Python)."""
    from .install_hints import PythonSetup
    python = PythonSetup.current().interpreter
    if not os.path.isfile(python):
        python = sys.executable
    return subprocess.Popen([python, "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _finish_probe(process: subprocess.Popen, timeout: float) -> dict:
    """The probe's JSON line, or an 'error' that says why there is none."""
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return {"error": f"the import took more than {timeout:.0f} s"}
    try:
        return json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        tail = " ".join(err.split())[-200:]
        return {"error": f"the probe exited with code {process.returncode} ({tail})"}
