"""The two training stages (plain loops; the command line lives in :mod:`training`).

Stage 1 trains the spectral branch by reverse distillation around a frozen teacher; stage 2
freezes it and trains the spatial branch with decorrelation and restoration losses. Either can
add the separation loss on implanted anomalies (``separation`` > 0). Frozen teachers and trunks
are random networks whose batch-norm statistics are calibrated on training patches first
(random network distillation): ImageNet weights are not available and a plugin should not
need them.
"""
from __future__ import annotations

import os
from typing import Callable, Optional

import numpy as np
import torch
from torch import nn

from .architecture import ModelConfig, TwoBranchModel
from .losses import (batch_rx, decorrelation_losses, separation_loss, spatial_prediction_loss,
                     stage1_loss, stage2_loss)
from .patch_sampler import PatchSampler
from .recipe import StageSettings
from .spatial_branch import FeatureRestorationNet
from .spectral_branch import SpectralDistiller

Log = Callable[[str], None]
MEMBER_SEED_STEP = 1000  # spectral member k of an ensemble starts from seed + k x this


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


def _optimiser(params: list, settings: StageSettings) -> tuple:
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


def _steps(settings: StageSettings, progress, label: str):
    if progress is None:
        return range(settings.steps)
    return progress(range(settings.steps), desc=label)


def train_spectral(sampler: PatchSampler, config: ModelConfig, settings: StageSettings,
                   log: Log, progress=None, teacher_steps: int = 0) -> SpectralDistiller:
    """Stage 1: reverse distillation (+ optional separation of implanted anomalies).

    With ``teacher_steps`` the teacher is first pretrained as a denoising autoencoder (stage 0);
    otherwise it is a frozen random network.
    """
    net = SpectralDistiller(config.bands, config.projected, config.spectral_widths, config.code,
                            config.projection_hidden)
    if teacher_steps > 0:
        from .teacher_pretraining import pretrain_teacher
        pretrain_teacher(net, lambda: _tensor(sampler.batch(settings.batch).clean), teacher_steps,
                         settings.lr, log, progress)
    calibrate_batch_norm(net.teacher, lambda: net.band_projection(
        _tensor(sampler.batch(settings.batch).clean)))
    params = [p for p in net.parameters() if p.requires_grad]
    optimiser, schedule = _optimiser(params, settings)
    net.train()
    for step in _steps(settings, progress, "stage 1 (spectral)"):
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
        _log_step(log, 1, step, settings.steps, parts)
    return net.eval()


def _trunk_input(model: TwoBranchModel, x: torch.Tensor) -> torch.Tensor:
    """What the frozen spatial trunk sees for a batch of scaled grid patches."""
    model.spectral.eval()  # its batch-norm statistics are fixed by now
    with torch.no_grad():
        return model.spatial.compress(model.spatial_input(x, model.spectral(x)))


def calibrate_spatial_trunk(model: TwoBranchModel, sampler: PatchSampler, batch: int) -> None:
    calibrate_batch_norm(model.spatial.trunk,
                         lambda: _trunk_input(model, _tensor(sampler.batch(batch).clean)))


def train_spatial(sampler: PatchSampler, model: TwoBranchModel, settings: StageSettings,
                  log: Log, progress=None) -> TwoBranchModel:
    """Stage 2: the spatial branch against the frozen spectral branch.

    The pyramid branch (the paper's) is trained to restore X from F_spa + F_spe through the
    restoration net; the context branch to predict the enhanced pixel from its rings. Both can
    add the decorrelation losses and the separation of implanted anomalies.
    """
    spectral, spatial = model.spectral.eval(), model.spatial
    context = model.config.spatial == "context"
    for p in spectral.parameters():
        p.requires_grad_(False)
    calibrate_spatial_trunk(model, sampler, settings.batch)
    restore = None if context else FeatureRestorationNet(model.config.bands)
    params = [p for p in spatial.parameters() if p.requires_grad]
    params += [] if restore is None else list(restore.parameters())
    optimiser, schedule = _optimiser(params, settings)
    spatial.train()
    for step in _steps(settings, progress, "stage 2 (spatial)"):
        batch = sampler.batch(settings.batch)
        x = _tensor(batch.clean)
        with torch.no_grad():
            f_spe = spectral(x)
        f_spa = spatial(model.spatial_input(x, f_spe))
        if context:
            parts = spatial_prediction_loss(x + f_spe, f_spa)
            if settings.decorrelation:
                parts.update(decorrelation_losses(f_spe, f_spa))
        else:
            parts = stage2_loss(x, f_spe, f_spa, restore(f_spa + f_spe), settings.decorrelation)
        if settings.separation > 0:
            xi = _tensor(batch.implanted)
            with torch.no_grad():
                fi_spe = spectral(xi)
            scores = batch_rx(xi + fi_spe + spatial(model.spatial_input(xi, fi_spe)))
            parts["sep"] = settings.separation * separation_loss(scores, _tensor(batch.abundance))
        loss = sum(parts.values())
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if schedule is not None:
            schedule.step()
        _log_step(log, 2, step, settings.steps, parts)
    for p in spectral.parameters():
        p.requires_grad_(True)
    return model.eval()


def build_model(config: ModelConfig, sampler: PatchSampler, stage1: Optional[StageSettings],
                stage2: Optional[StageSettings], log: Log, progress=None,
                teacher_steps: int = 0, stage1_cache: Optional[str] = None,
                seed: int = 0) -> TwoBranchModel:
    """Train both stages (a stage with ``None`` settings is left at its calibrated random init).

    Each stage starts from its own seed, so stage 1 does not depend on the spatial branch's
    configuration. ``stage1_cache``: a file holding a finished stage 1 (weights and the patch
    sampler's state), reused when present and written otherwise, so candidates sharing stage 1
    train it once and still get exactly the weights a full run gives. With several spectral
    members, member k starts from seed ``seed + MEMBER_SEED_STEP * k`` (member 0 is exactly the
    single-branch model of the same seed) and has its own cache file.
    """
    states = []
    for k in range(config.spectral_members):
        cache = stage1_cache
        if stage1_cache and k > 0:
            stem, suffix = os.path.splitext(stage1_cache)
            cache = f"{stem}-m{k}{suffix}"
        if config.spectral_members > 1:
            log(f"spectral member {k + 1}/{config.spectral_members} "
                f"(seed {seed + MEMBER_SEED_STEP * k})")
        states.append(_spectral_state(config, sampler, stage1, log, progress, teacher_steps,
                                      cache, seed + MEMBER_SEED_STEP * k))
    torch.manual_seed(seed + 1)
    model = TwoBranchModel(config).eval()
    if config.spectral_members == 1:
        model.spectral.load_state_dict(states[0])
    else:
        for member, state in zip(model.spectral.members, states):
            member.load_state_dict(state)
    calibration = stage1 or StageSettings()
    if stage2 is not None and stage2.steps > 0:
        train_spatial(sampler, model, stage2, log, progress)
    else:
        calibrate_spatial_trunk(model, sampler, calibration.batch)
    return model.eval()


def _spectral_state(config: ModelConfig, sampler: PatchSampler, stage1: Optional[StageSettings],
                    log: Log, progress, teacher_steps: int, cache: Optional[str],
                    seed: int) -> dict:
    """One spectral branch's state_dict: trained (or read from ``cache``), or calibrated only."""
    torch.manual_seed(seed)
    if stage1 is not None and stage1.steps > 0 and cache and os.path.isfile(cache):
        saved = torch.load(cache, weights_only=True)
        sampler.rng.bit_generator.state = saved["sampler_rng"]
        log(f"stage 1 reused from {cache}")
        return saved["spectral"]
    if stage1 is not None and stage1.steps > 0:
        distiller = train_spectral(sampler, config, stage1, log, progress, teacher_steps)
        state = distiller.pruned().state_dict()
        if cache:
            torch.save({"spectral": state, "sampler_rng": sampler.rng.bit_generator.state}, cache)
        return state
    calibration = stage1 or StageSettings()
    distiller = SpectralDistiller(config.bands, config.projected, config.spectral_widths,
                                  config.code, config.projection_hidden)
    calibrate_batch_norm(distiller.teacher, lambda: distiller.band_projection(
        _tensor(sampler.batch(calibration.batch).clean)))
    return distiller.pruned().state_dict()


def _log_step(log: Log, stage: int, step: int, steps: int, parts: dict) -> None:
    if step % 50 == 0 or step == steps - 1:
        text = " ".join(f"{k}={float(v.detach()):.4f}" for k, v in parts.items())
        log(f"stage {stage} step {step + 1}/{steps}: {text}")
