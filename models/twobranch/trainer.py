"""Training the shipped model: stage 1 by reverse distillation, then the spatial trunk's calibration.

Stage 1 trains the spectral branch around a frozen random teacher (random network distillation:
ImageNet weights are not available and a plugin should not need them), optionally adding the
separation of implanted anomalies. The spatial (context) branch is not trained: it starts as
minus a ring mean, which cross-validation preferred to every trained version (docs/model.md);
only the batch-norm statistics of its frozen trunk are calibrated on training patches.

Inputs are plain: a model configuration dict, a patch sampler whose ``batch(n)`` returns numpy
arrays (``clean``, ``implanted``, ``abundance``) and whose ``rng`` can be saved, and stage
settings with ``steps``, ``batch``, ``lr``, ``separation`` and ``schedule``.
"""
from __future__ import annotations

import os
from typing import Callable, Optional

import numpy as np
import torch
from torch import nn

from .losses import batch_rx, separation_loss, stage1_loss
from .network import TwoBranchModel
from .spectral_branch import SpectralDistiller

Log = Callable[[str], None]


def seed_everything(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed)


def calibrate_batch_norm(module: nn.Module, inputs: Callable[[], torch.Tensor],
                         batches: int = 16) -> None:
    """Set a frozen module's batch-norm statistics to those of the training data."""
    norms = [m for m in module.modules() if isinstance(m, nn.BatchNorm2d)]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over the calibration batches
    module.train()
    with torch.no_grad():
        for _ in range(batches):
            module(inputs())
    for m in norms:
        m.momentum = 0.1
    module.eval()


def _tensor(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(array))


def make_optimiser(params: list, settings) -> tuple:
    """Adam with the authors' betas, and the learning-rate schedule the settings ask for.

    With a constant rate the weights are the last of a noisy walk; a cosine decay to zero lets
    them settle (measured in docs/model.md: it did not make the detector less seed-dependent).
    """
    optimiser = torch.optim.Adam(params, lr=settings.lr, betas=(0.5, 0.999))
    if settings.schedule == "constant":
        return optimiser, None
    if settings.schedule != "cosine":
        raise ValueError(f"unknown learning-rate schedule '{settings.schedule}'")
    return optimiser, torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, settings.steps)


def _distiller(config: dict) -> SpectralDistiller:
    return SpectralDistiller(int(config["grid"]["bands"]), config["projected"],
                             tuple(config["spectral_widths"]), config["code"],
                             config["projection_hidden"])


def train_spectral(sampler, config: dict, settings, log: Log,
                   progress=None) -> SpectralDistiller:
    """Stage 1: reverse distillation (+ optional separation of implanted anomalies)."""
    net = _distiller(config)
    calibrate_batch_norm(net.teacher, lambda: net.band_projection(
        _tensor(sampler.batch(settings.batch).clean)))
    params = [p for p in net.parameters() if p.requires_grad]
    optimiser, schedule = make_optimiser(params, settings)
    net.train()
    steps = range(settings.steps) if progress is None else \
        progress(range(settings.steps), desc="stage 1 (spectral)")
    for step in steps:
        batch = sampler.batch(settings.batch)
        x = _tensor(batch.clean)
        parts = stage1_loss(x, net(x))
        if settings.separation > 0:
            xi = _tensor(batch.implanted)
            f_spe = net.projection(net.teacher.stage_a(net.band_projection(xi)))
            parts["sep"] = settings.separation * separation_loss(batch_rx(xi + f_spe),
                                                                 _tensor(batch.abundance))
        loss = sum(parts.values())
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if schedule is not None:
            schedule.step()
        if step % 50 == 0 or step == settings.steps - 1:
            text = " ".join(f"{k}={float(v.detach()):.4f}" for k, v in parts.items())
            log(f"stage 1 step {step + 1}/{settings.steps}: {text}")
    return net.eval()


def calibrate_spatial_trunk(model: TwoBranchModel, sampler, batch: int) -> None:
    """The context branch's frozen trunk gets batch-norm statistics of training patches."""
    def trunk_input():
        x = _tensor(sampler.batch(batch).clean)
        model.spectral.eval()
        with torch.no_grad():
            return model.spatial.compress(x + model.spectral(x))
    calibrate_batch_norm(model.spatial.trunk, trunk_input)


def build_model(config: dict, sampler, stage1, log: Log, progress=None,
                stage1_cache: Optional[str] = None, seed: int = 0) -> TwoBranchModel:
    """Train stage 1 (``stage1.steps`` 0: left at its calibrated random start, the untrained
    control), then calibrate the spatial trunk.

    Stage 1 starts from ``seed`` and the rest from ``seed + 1``, so stage 1 does not depend on
    the spatial branch's configuration. ``stage1_cache``: a file holding a finished stage 1
    (its weights and the patch sampler's state), reused when present and written otherwise, so
    runs sharing stage 1 train it once and still get exactly the weights a full run gives.
    """
    torch.manual_seed(seed)
    state = _spectral_state(config, sampler, stage1, log, progress, stage1_cache)
    torch.manual_seed(seed + 1)
    model = TwoBranchModel(config).eval()
    model.spectral.load_state_dict(state)
    calibrate_spatial_trunk(model, sampler, stage1.batch)
    return model.eval()


def _spectral_state(config: dict, sampler, stage1, log: Log, progress,
                    cache: Optional[str]) -> dict:
    """The spectral branch's state_dict: trained (or read from ``cache``), or calibrated only."""
    if stage1.steps > 0 and cache and os.path.isfile(cache):
        saved = torch.load(cache, weights_only=True)
        sampler.rng.bit_generator.state = saved["sampler_rng"]
        log(f"stage 1 reused from {cache}")
        return saved["spectral"]
    if stage1.steps > 0:
        state = train_spectral(sampler, config, stage1, log, progress).pruned().state_dict()
        if cache:
            torch.save({"spectral": state, "sampler_rng": sampler.rng.bit_generator.state}, cache)
        return state
    distiller = _distiller(config)
    calibrate_batch_norm(distiller.teacher, lambda: distiller.band_projection(
        _tensor(sampler.batch(stage1.batch).clean)))
    return distiller.pruned().state_dict()


def set_threads(threads: int) -> None:
    torch.set_num_threads(threads)


def torch_version() -> str:
    return torch.__version__


def train_arrays(config: dict, sampler, stage1, log: Log, progress=None, seed: int = 0) -> dict:
    """The trained model as {name: numpy array}: what the shipped archive stores."""
    from .network import state_arrays
    return state_arrays(build_model(config, sampler, stage1, log, progress, seed=seed))
