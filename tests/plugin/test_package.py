"""`make package`: a zip QGIS installs as it is, that runs the default detector in a QGIS whose
Python has no torch, and whose README and docs links all resolve inside it."""
from __future__ import annotations

import os
import re
import subprocess
import zipfile

import pytest

from support import QGIS_PROCESS, REPO, run_qgis_process, without_system_torch, write_cube


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(["/usr/bin/python3", str(REPO / "scripts" / "package.py"), str(out)],
                          capture_output=True, text=True, cwd="/")
    assert done.returncode == 0, done.stderr
    version = re.search(r"^version=(\S+)", (REPO / "metadata.txt").read_text(), re.M).group(1)
    path = out / f"hsad-{version}.zip"
    assert path.exists(), done.stdout
    return path


def test_the_zip_holds_the_plugin_and_the_weights_and_nothing_of_the_lab(package):
    names = zipfile.ZipFile(package).namelist()
    assert all(n.startswith("hsad/") for n in names)
    for needed in ("hsad/__init__.py", "hsad/metadata.txt", "hsad/models/weights/twobranch.npz",
                   "hsad/models/weights/manifest.json", "hsad/engine/methods/twobranch/network.py"):
        assert needed in names
    for left_out in ("hsad/tests/", "hsad/research/", "hsad/scripts/", "hsad/Makefile"):
        assert not any(n.startswith(left_out) for n in names), left_out
    assert os.path.getsize(package) < 5 * 1024 * 1024


def test_links_in_the_packaged_readme_and_docs_resolve(package):
    archive = zipfile.ZipFile(package)
    names = set(archive.namelist())
    documents = [n for n in names if n.endswith(".md")]
    assert "hsad/README.md" in documents
    for document in documents:
        text = archive.read(document).decode("utf-8")
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if re.match(r"^[a-z]+://", target) or target.startswith("mailto:"):
                continue
            resolved = os.path.normpath(os.path.join(os.path.dirname(document), target))
            assert resolved in names or any(n.startswith(resolved + "/") for n in names), \
                f"{document} links to {target}, which is not in the zip"


@pytest.mark.qgis_process
def test_installed_from_the_zip_into_a_fresh_profile_without_torch_it_detects(package, tmp_path,
                                                                              cube_and_truth):
    if not os.path.exists(QGIS_PROCESS):
        pytest.skip("qgis_process.bin is not installed")
    data = tmp_path / "xdg-data"
    plugins = data / "QGIS" / "QGIS3" / "profiles" / "default" / "python" / "plugins"
    plugins.mkdir(parents=True)
    zipfile.ZipFile(package).extractall(plugins)
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = {k: v for k, v in os.environ.items()
           if k not in ("QGIS_PLUGINPATH", "PYTHONPATH", "VIRTUAL_ENV", "QGIS_CUSTOM_CONFIG_PATH",
                        "QGIS_OPTIONS_PATH")}
    env.update(QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(data),
               XDG_RUNTIME_DIR=str(runtime),
               PATH=os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                                    if ".venv" not in p))
    env = without_system_torch(env, tmp_path)
    assert run_qgis_process(["plugins", "enable", "hsad"], env).returncode == 0
    scene = write_cube(tmp_path / "scene.tif", cube_and_truth[0])
    out = tmp_path / "score.tif"
    done = run_qgis_process(["run", "hsad:detect", "--", f"INPUT={scene}", f"OUTPUT={out}"], env)
    assert done.returncode == 0, done.stdout + done.stderr
    import rasterio
    with rasterio.open(out) as score:
        assert score.tags()["HSAD_METHOD"] == "twobranch"
        assert score.tags()["HSAD_DEVICE"] == "cpu"
