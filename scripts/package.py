"""`make package`: dist/hsad-<version>.zip, the plugin as QGIS's "Install from ZIP" wants it.

The version comes from metadata.txt (and must equal version.py's). The zip holds the files git
knows in the working tree (tracked, or new and not ignored), under hsad/, minus what a QGIS user
does not need: tests, the lab, scripts and build files. Runs with any Python 3 (no .venv).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEFT_OUT = ("tests/", "research/", "scripts/", ".ci/", ".gitignore", "Makefile",
            "constraints.txt", "requirements-dev.txt", "pytest.ini", "pyproject.toml")


def version() -> str:
    with open(os.path.join(ROOT, "metadata.txt"), encoding="utf-8") as handle:
        found = re.search(r"^version=(\S+)", handle.read(), re.MULTILINE)
    with open(os.path.join(ROOT, "version.py"), encoding="utf-8") as handle:
        code = re.search(r'__version__ = "([^"]+)"', handle.read())
    if not found or not code or found.group(1) != code.group(1):
        sys.exit(f"package: metadata.txt version {found and found.group(1)!r} and version.py "
                 f"{code and code.group(1)!r} differ")
    return found.group(1)


def plugin_files() -> list:
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                            check=True, capture_output=True).stdout.decode().split("\0")
    return sorted(f for f in listed if f and not f.startswith(LEFT_OUT)
                  and os.path.isfile(os.path.join(ROOT, f)))


def main(argv: list) -> int:
    out_dir = argv[0] if argv else os.path.join(ROOT, "dist")
    os.makedirs(out_dir, exist_ok=True)
    target = os.path.join(out_dir, f"hsad-{version()}.zip")
    partial = target + ".partial"
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in plugin_files():
            archive.write(os.path.join(ROOT, name), f"hsad/{name}")
    os.replace(partial, target)
    print(f"{target}: {os.path.getsize(target) / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
