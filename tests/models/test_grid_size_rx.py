"""RX on grids of several sizes: one row per grid plus the scene's own bands, per scene."""
import numpy as np
import scipy.io

from hsad.models.evaluation import labelled_scenes
from hsad.models.grid_size_rx import grid_rx_table, main, markdown

from .conftest import synthetic_cube


def test_table_scores_every_scene_on_every_grid(tmp_path):
    cube, truth = synthetic_cube(bands=40)
    scipy.io.savemat(tmp_path / "scene.mat", {"data": cube, "map": truth.astype(np.uint8)})
    table = grid_rx_table(labelled_scenes(str(tmp_path)), sizes=(8, 16))
    assert set(table) == {"native", "8", "16"}
    assert all(set(per) == {"scene"} for per in table.values())
    assert table["native"]["scene"] > 0.9  # the implanted targets stand out in their own bands
    assert all(0.0 <= per["scene"] <= 1.0 for per in table.values())
    text = markdown(table)
    assert "| 8-band grid |" in text and "| the scene's own bands |" in text


def test_an_empty_folder_is_a_clear_error(tmp_path, capsys):
    assert main(["--real", str(tmp_path)]) == 2
    assert "no labelled scenes" in capsys.readouterr().err
