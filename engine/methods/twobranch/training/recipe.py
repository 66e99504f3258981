"""The training recipe of the shipped model: every hyper-parameter in one place.

Leave-one-scene-out cross-validation chose the options here (docs/model.md says which were
cross-validated and which, such as the grid size, the rings and the learning rate, were not);
the training command line can change the seed and the step count, nothing else, so
``hsad train`` rebuilds exactly what was evaluated.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Optional

from ..config import ModelConfig
from ..grid import BandGrid


@dataclass(frozen=True)
class StageSettings:
    """Optimisation settings of stage 1 (the authors' Adam settings by default)."""

    steps: int = 400
    batch: int = 8
    lr: float = 5e-3
    separation: float = 0.0  # weight of the implanted-anomaly separation loss
    schedule: str = "constant"  # "cosine": the learning rate decays to 0 over the steps


@dataclass(frozen=True)
class Recipe:
    seed: int = 0
    patch: int = 48
    sensor_strength: float = 1.0
    implant_probability: float = 0.0  # only used when stage 1 has a separation loss
    grid_bands: int = 32
    scaling: str = "standard"
    # The score (version 3): chosen by `python -m hsad.research score-options` (docs/model.md)
    native_rx_weight: float = 1.0
    fused_loading: float = 0.01
    score_filter: float = 0.5
    score_filter_form: str = "lift"
    ring_mean_start: bool = True
    use_real: bool = False  # also train on the labelled scenes' cubes (never their truth)
    stage1: StageSettings = field(default_factory=StageSettings)

    def model_config(self) -> ModelConfig:
        return ModelConfig(grid=BandGrid(bands=self.grid_bands), scaling=self.scaling,
                           ring_mean_start=self.ring_mean_start,
                           native_rx_weight=self.native_rx_weight,
                           fused_loading=self.fused_loading, score_filter=self.score_filter,
                           score_filter_form=self.score_filter_form)

    def stage1_settings(self, steps: Optional[int] = None) -> StageSettings:
        return replace(self.stage1, steps=self.stage1.steps if steps is None else steps)

    def as_dict(self) -> dict:
        return asdict(self)


RECIPE = Recipe()
# Version 1 (hsad 0.1): the same networks, scored without loading or filter, native weight 2.
RECIPE_V1 = replace(RECIPE, native_rx_weight=2.0, fused_loading=0.0, score_filter=0.0,
                    score_filter_form="additive")
# Version 2 (hsad 0.2): the same networks and loading, the additive 3 x 3 filter at 0.25.
RECIPE_V2 = replace(RECIPE, score_filter=0.25, score_filter_form="additive")
