"""MATLAB scenes as labs share them: any variable names, v5 and v7.3 (HDF5)."""
from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.io

from hsad.engine.errors import InputError
from hsad.engine.scenes.matfile import load_matlab_scene
from hsad.engine.scenes.raster import open_scene
from support import BACKGROUND_DIR, REAL_DIR, needs_background_data, needs_real_data


def _arrays(seed=0):
    rng = np.random.default_rng(seed)
    cube = rng.integers(0, 4000, size=(12, 10, 7)).astype(np.uint16)
    truth = np.zeros((12, 10), dtype=np.uint8)
    truth[3, 4] = truth[8, 1] = 1
    return cube, truth


@pytest.mark.parametrize("cube_name, truth_name", [
    ("data", "map"), ("hsi", "hsi_gt"), ("data", "groundtruth"), ("X", "mask")])
def test_v5_any_names(tmp_path, cube_name, truth_name):
    cube, truth = _arrays()
    path = tmp_path / "scene.mat"
    scipy.io.savemat(path, {cube_name: cube, truth_name: truth, "wavelength_count": np.array([7])})
    found = load_matlab_scene(str(path))
    assert (found.cube_name, found.truth_name) == (cube_name, truth_name)
    np.testing.assert_array_equal(found.cube, cube)
    np.testing.assert_array_equal(found.truth, truth.astype(bool))


def test_v73_hdf5_with_matlab_axis_order(tmp_path):
    h5py = pytest.importorskip("h5py")
    cube, truth = _arrays()
    path = tmp_path / "v73.mat"
    with h5py.File(path, "w", userblock_size=512) as f:  # MATLAB v7.3 = HDF5 + 512-byte header
        f["hsi"] = cube.transpose()  # MATLAB writes column-major: axes appear reversed
        f["hsi_gt"] = truth.transpose().astype(np.float64)
    with open(path, "r+b") as handle:
        handle.write(b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Thu Jan  1 00:00:00 2026 HDF5 schema 1.00 .")
    found = load_matlab_scene(str(path))
    np.testing.assert_array_equal(found.cube, cube)
    np.testing.assert_array_equal(found.truth, truth.astype(bool))


def test_band_first_cube_is_reoriented(tmp_path):
    cube, truth = _arrays()
    square = np.ascontiguousarray(cube[:10, :10])
    path = tmp_path / "bf.mat"
    scipy.io.savemat(path, {"img": square.transpose(2, 0, 1)})
    found = load_matlab_scene(str(path))
    assert found.cube.shape == (10, 10, 7)
    assert found.truth is None


def test_no_cube_is_a_one_line_error(tmp_path):
    path = tmp_path / "flat.mat"
    scipy.io.savemat(path, {"spectra": np.ones((5, 4))})
    with pytest.raises(InputError, match="no hyperspectral cube in this MATLAB file"):
        load_matlab_scene(str(path))


@pytest.mark.parametrize("pixels_first", [False, True])
def test_unmixing_layout_bands_by_pixels_with_image_size(tmp_path, pixels_first):
    """Samson/Jasper Ridge/Urban style: a (bands, pixels) matrix, pixels column-major."""
    cube, _ = _arrays()
    rows, cols, bands = cube.shape
    matrix = cube.reshape(rows * cols, bands, order="F").T  # what MATLAB's reshape(X, [], B)' gives
    path = tmp_path / "unmixing.mat"
    scipy.io.savemat(path, {"Y": matrix.T if pixels_first else matrix, "nRow": np.uint8(rows),
                            "nCol": np.uint8(cols), "nBand": np.uint8(bands),
                            "M": np.ones((bands, 3))})
    found = load_matlab_scene(str(path))
    assert found.cube_name == "Y" and found.truth is None
    np.testing.assert_array_equal(found.cube, cube)


def test_pixel_matrix_without_image_size_is_refused(tmp_path):
    path = tmp_path / "nosize.mat"
    scipy.io.savemat(path, {"Y": np.ones((7, 120))})
    with pytest.raises(InputError, match=r"nosize.mat: no hyperspectral cube.*nRow/nCol"):
        load_matlab_scene(str(path))


def test_an_empty_mat_file_is_one_line(tmp_path):
    path = tmp_path / "empty.mat"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="empty.mat: not a readable MATLAB file"):
        load_matlab_scene(str(path))


def test_not_a_mat_file(tmp_path):
    path = tmp_path / "fake.mat"
    path.write_text("hello")
    with pytest.raises(InputError, match="not a readable MATLAB file"):
        load_matlab_scene(str(path))


def test_open_scene_reads_a_mat_cube(tmp_path):
    cube, _ = _arrays()
    path = tmp_path / "s.mat"
    scipy.io.savemat(path, {"data": cube})
    with open_scene(str(path)) as scene:
        data, valid = scene.read(0, 0, 12, 10)
    np.testing.assert_array_equal(data, cube.astype(np.float32))


@needs_real_data()
def test_all_real_scenes_load_with_manifest_shapes_and_counts():
    manifest = json.loads((REAL_DIR / "manifest.json").read_text())
    assert len(manifest["scenes"]) == 11
    for entry in manifest["scenes"]:
        found = load_matlab_scene(str(REAL_DIR / entry["file"]))
        assert list(found.cube.shape) == entry["shape"], entry["file"]
        assert found.cube_name == entry["data_key"] and found.truth_name == entry["gt_key"]
        assert int(found.truth.sum()) == entry["n_anomaly_px"], entry["file"]



@needs_background_data()
@pytest.mark.parametrize("name, shape", [("samson/samson_1.mat", (95, 95, 156)),
                                         ("aviris/jasperRidge2_R198.mat", (100, 100, 198))])
def test_real_unmixing_files_load_as_images(name, shape):
    """Published unmixing layouts come out as images: neighbours alike, unlike a shuffled cube."""
    cube = load_matlab_scene(str(BACKGROUND_DIR / name)).cube.astype(np.float64)
    assert cube.shape == shape

    def neighbour_difference(c):
        return np.abs(np.diff(c, axis=0)).mean() + np.abs(np.diff(c, axis=1)).mean()

    shuffled = np.random.default_rng(0).permutation(cube.reshape(-1, shape[2])).reshape(shape)
    assert neighbour_difference(cube) < 0.5 * neighbour_difference(shuffled)
