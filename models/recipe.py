"""The training recipe of the shipped model: every hyper-parameter in one place.

The candidates measured by leave-one-scene-out cross-validation chose the options here (docs/model.md
says which were cross-validated and which, such as the grid size, the rings and the learning
rates, were not); the training command line can change the seed and step counts, nothing else,
so ``hsad train`` rebuilds exactly what was evaluated.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Optional

from .spectral_grid import BandGrid


@dataclass
class StageSettings:
    """Optimisation settings of one stage (the authors' Adam settings by default)."""

    steps: int = 400
    batch: int = 8
    lr: float = 5e-3
    separation: float = 0.0  # weight of the implanted-anomaly separation loss
    decorrelation: bool = True  # stage 2 only
    schedule: str = "constant"  # "cosine": the learning rate decays to 0 over the steps


@dataclass
class Recipe:
    seed: int = 0
    patch: int = 48
    sensor_strength: float = 1.0
    implant_probability: float = 0.0  # only used when a stage has a separation loss
    grid_bands: int = 32
    scaling: str = "standard"
    fusion: str = "additive"
    native_rx_weight: float = 2.0  # chosen by python -m hsad.models.native_weight_cv (docs/model.md)
    spatial: str = "context"  # "pyramid": the paper's spatial branch
    ring_mean_start: bool = True
    spectral_members: int = 1  # spectral branches averaged into F_spe (ensemble4: docs/model.md)
    teacher_steps: int = 0  # > 0: self-supervised (denoising autoencoder) teacher
    use_real: bool = False  # also train on the labelled scenes' cubes (never their truth)
    stage1: StageSettings = field(default_factory=lambda: StageSettings(400))
    stage2: StageSettings = field(default_factory=lambda: StageSettings(0, lr=1e-3,
                                                                        decorrelation=False))

    def model_config(self):
        from .architecture import ModelConfig
        return ModelConfig(grid=BandGrid(bands=self.grid_bands), scaling=self.scaling,
                           fusion=self.fusion, spatial=self.spatial,
                           ring_mean_start=self.ring_mean_start,
                           native_rx_weight=self.native_rx_weight,
                           spectral_members=self.spectral_members)

    def stage1_settings(self, steps: Optional[int] = None) -> StageSettings:
        return replace(self.stage1, steps=self.stage1.steps if steps is None else steps)

    def stage2_settings(self, steps: Optional[int] = None) -> StageSettings:
        return replace(self.stage2, steps=self.stage2.steps if steps is None else steps)

    def as_dict(self) -> dict:
        return asdict(self)


RECIPE = Recipe()
