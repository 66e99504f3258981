"""The numpy forward is the torch forward: on random weights of both spatial starts, and with
the shipped weights on every labelled scene and every background cube (when present)."""
from __future__ import annotations

import numpy as np
import pytest

from hsad.engine.methods.twobranch.network import TwoBranchNetwork, box_means
from hsad.engine.methods.twobranch.weights import load_weights
from support import BACKGROUND_DIR, REAL_DIR, SHARED_DATA, random_arrays, tiny_config

torch = pytest.importorskip("torch")


def both(arrays, config, x):
    from hsad.models.twobranch.torch_forward import TorchTwoBranch
    torch.set_num_threads(1)
    numpy_net = TwoBranchNetwork(arrays, config)
    torch_net = TorchTwoBranch(arrays, config.as_dict(), "cpu")
    return numpy_net, torch_net, numpy_net(x), torch_net(x)


def close(a, b, tolerance=1e-4):
    """Within ``tolerance`` of the larger array's magnitude (float32 arithmetic in both)."""
    scale = max(float(np.abs(b).max()), 1e-6)
    assert float(np.abs(a - b).max()) <= tolerance * scale, float(np.abs(a - b).max()) / scale


@pytest.mark.parametrize("ring_mean_start", [False, True])
def test_random_weights_give_the_torch_features(ring_mean_start):
    config = tiny_config(ring_mean_start=ring_mean_start)
    arrays = random_arrays(config, seed=3)
    x = np.random.default_rng(1).normal(size=(23, 31, config.bands)).astype(np.float32)
    numpy_net, torch_net, (spe, spa), (t_spe, t_spa) = both(arrays, config, x)
    close(spe, t_spe)
    close(spa, t_spa)
    mean = spa.reshape(-1, config.bands).mean(axis=0)
    np.testing.assert_allclose(numpy_net.gates(mean), torch_net.gates(mean), rtol=1e-5)


def test_box_means_are_replicate_padded_window_means():
    image = np.random.default_rng(2).normal(size=(9, 12, 3)).astype(np.float32)
    padded = np.pad(image, ((3, 3), (3, 3), (0, 0)), mode="edge")
    for w, box in box_means(image, [1, 3, 7]).items():
        h = w // 2
        expected = np.array([[padded[3 + r - h:3 + r + h + 1, 3 + c - h:3 + c + h + 1].mean((0, 1))
                              for c in range(12)] for r in range(9)])
        np.testing.assert_allclose(box, expected, rtol=1e-5, atol=1e-6)


def _scenes():
    """(name, cube, wavelengths) of every labelled scene and background cube found."""
    from hsad.engine.scenes.matfile import load_matlab_scene
    found = []
    for path in sorted(REAL_DIR.glob("*.mat")) if REAL_DIR.is_dir() else []:
        found.append((path.stem, load_matlab_scene(str(path)).cube.astype(np.float32), None))
    if (BACKGROUND_DIR / "manifest.json").exists():
        from hsad.engine.methods.twobranch.training.data import load_background_cubes
        for source in load_background_cubes(str(BACKGROUND_DIR)):
            found.append((source.name, source.cube, source.wavelengths_nm))
    more = SHARED_DATA / "background-more"
    for path in sorted(more.rglob("*")) if more.is_dir() else []:
        if path.suffix in (".hdr", ".md", ".json", ".txt") or not path.is_file() \
                or path.name in ("SHA256SUMS", "salinas_impl_gt.mat"):
            continue
        from hsad.engine.errors import HsadError
        from hsad.engine.scenes.raster import open_scene
        try:
            with open_scene(str(path)) as scene:
                cube, valid = scene.read(0, 0, scene.info.rows, scene.info.cols)
                cube[~valid] = np.nanmean(cube[valid], axis=0)
                found.append((path.name, cube, scene.info.spectral.wavelengths_nm))
        except HsadError:
            continue
    return found


@pytest.mark.slow
def test_shipped_weights_give_the_torch_features_and_scores_on_every_real_cube():
    scenes = _scenes()
    if not scenes:
        pytest.skip("../shared/data is not present")
    from hsad.engine.methods.twobranch.config import ModelConfig
    from hsad.engine.methods.twobranch.detector import TwoBranchDetector
    from hsad.engine.scenes.scene import ArrayScene
    from hsad.engine.scenes.spectral import SpectralInfo
    from hsad.engine.scoring import score_scene
    from hsad.models.twobranch.torch_forward import TorchTwoBranch
    arrays, manifest = load_weights()
    config = ModelConfig.from_dict(manifest["config"])
    checked = []
    for name, cube, wavelengths in scenes:
        scores = {}
        for backend in ("numpy", "torch"):
            detector = TwoBranchDetector(device="cpu")
            if backend == "torch":
                detector.network = TorchTwoBranch(arrays, config.as_dict(), "cpu")
            scene = ArrayScene(cube, path=name, spectral=SpectralInfo(wavelengths_nm=wavelengths))
            out = np.full(cube.shape[:2], np.nan, np.float32)

            def sink(block, row, col, out=out):
                out[row:row + block.shape[0], col:col + block.shape[1]] = block
            score_scene(scene, detector, sink)
            scores[backend] = out
            if backend == "numpy":
                x = detector.grid_cube(cube)
                (spe, spa), (t_spe, t_spa) = detector.network(x), TorchTwoBranch(
                    arrays, config.as_dict(), "cpu")(x)
                close(spe, t_spe)
                close(spa, t_spa)
        np.testing.assert_allclose(scores["numpy"], scores["torch"], rtol=1e-4,
                                   atol=1e-4 * float(np.nanmax(np.abs(scores["torch"]))))
        checked.append(name)
    assert len(checked) == len(scenes) and len(checked) >= 11 or not REAL_DIR.is_dir()
    print(f"numpy = torch on {len(checked)} cubes: {', '.join(checked)}")


def test_a_device_other_than_the_cpu_builds_the_torch_networks(monkeypatch):
    """The path --device cuda takes once a GPU is found (here torch's own 'cpu:0', which is not
    numpy's 'cpu'): the detector runs the torch forward, and its features are numpy's."""
    import hsad.engine.accelerator as accelerator
    from hsad.engine.methods.twobranch.detector import TwoBranchDetector
    from hsad.models.twobranch.torch_forward import TorchTwoBranch
    monkeypatch.setattr(accelerator, "choose_device", lambda device: "cpu:0")
    on_torch = TwoBranchDetector(device="cuda")
    assert isinstance(on_torch.network, TorchTwoBranch) and on_torch.device == "cpu:0"
    x = np.random.default_rng(0).normal(size=(12, 10, on_torch.config.bands)).astype(np.float32)
    numpy_net = TwoBranchDetector(device="cpu").network
    for got, expected in zip(on_torch.network(x), numpy_net(x)):
        close(got, expected)
