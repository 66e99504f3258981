"""Optional stage 0: a self-supervised teacher instead of a random one.

The paper's teacher is ImageNet-trained; here the alternative to a frozen random network is a
denoising autoencoder trained on the same background patches: the band projection and the
teacher encoder learn to reconstruct clean spectra from noisy, partly dropped-out input, then
the teacher is frozen for reverse distillation. Which teacher ships is decided by
cross-validation.
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from .blocks import conv1x1, freeze
from .spectral_branch import SpectralDistiller


class TeacherAutoencoder(nn.Module):
    """Band projection + teacher encoder + a light decoder back to the grid's bands."""

    def __init__(self, net: SpectralDistiller):
        super().__init__()
        self.net = net
        widths = [m[0].out_channels for m in (net.teacher.stage_a[0], net.teacher.stage_b[1],
                                              net.teacher.stage_c[1])]
        self.head = conv1x1(sum(widths), net.band_projection.in_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = self.net.teacher(self.net.band_projection(x))
        size = x.shape[-2:]
        up = [feats[0]] + [F.interpolate(f, size=size, mode="bilinear", align_corners=False)
                           for f in feats[1:]]
        return self.head(torch.cat(up, dim=1))


def pretrain_teacher(net: SpectralDistiller, batches: Callable[[], torch.Tensor], steps: int,
                     lr: float, log: Callable[[str], None], progress=None) -> None:
    """Train the teacher (and band projection) as a denoising autoencoder, then freeze it."""
    for p in net.teacher.parameters():
        p.requires_grad_(True)
    model = TeacherAutoencoder(net)
    params = list(net.band_projection.parameters()) + list(net.teacher.parameters()) + \
        list(model.head.parameters())
    optimiser = torch.optim.Adam(params, lr=lr, betas=(0.5, 0.999))
    net.teacher.train()
    steps_iter = range(steps) if progress is None else progress(range(steps), desc="stage 0 (teacher)")
    for step in steps_iter:
        x = batches()
        keep = (torch.rand(x.shape[0], 1, *x.shape[2:]) > 0.2).float()
        noisy = (x + 0.1 * torch.randn_like(x)) * keep
        loss = F.mse_loss(model(noisy), x)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if step % 50 == 0 or step == steps - 1:
            log(f"stage 0 step {step + 1}/{steps}: reconstruction={float(loss.detach()):.4f}")
    freeze(net.teacher)
