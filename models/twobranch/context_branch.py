"""A blind-spot spatial branch: F_spa predicts (minus) each pixel's enhanced spectrum from the
rings of pixels around it, never from the pixel itself or its guard window.

Then ``X + F_spe + F_spa`` is the part of the enhanced pixel its neighbourhood does not
explain, which is what an anomaly is. A ring mean is the simplest such predictor (RX after
subtracting it is a classic local detector); the branch learns a better one on background
patches. Structure, as the paper's spatial branch: spectral compression to a few channels, a
frozen random per-pixel trunk, pooling over several (ring) windows, a trainable head, and SE
gates from the scene-wide mean.
"""
from __future__ import annotations

import torch
from torch import nn

from .blocks import ConvNormAct, SqueezeExcitation, box_mean, conv1x1, freeze, uniform_init


def ring_mean(x: torch.Tensor, inner: int, outer: int) -> torch.Tensor:
    """Mean over the outer x outer window minus the inner x inner guard window."""
    big = box_mean(x, outer) * float(outer * outer)
    small = box_mean(x, inner) * float(inner * inner) if inner > 0 else 0.0
    return (big - small) / float(outer * outer - inner * inner)


def _ring_from_boxes(boxes: dict, inner: int, outer: int) -> torch.Tensor:
    small = boxes[inner] * float(inner * inner) if inner > 0 else 0.0
    return (boxes[outer] * float(outer * outer) - small) / float(outer * outer - inner * inner)


class ContextBranch(nn.Module):
    """F_spa(Y): a prediction of -Y at each pixel from rings around it (Y = X + F_spe)."""

    def __init__(self, bands: int, compressed: int = 16, trunk: int = 32,
                 rings: tuple = ((3, 9), (9, 17), (17, 33)), hidden: int = 64,
                 ring_mean_start: bool = False):
        super().__init__()
        self.rings = tuple(tuple(r) for r in rings)
        compressed = bands if ring_mean_start else compressed
        self.compress = conv1x1(bands, compressed)
        self.trunk = nn.Sequential(ConvNormAct(compressed, trunk, 1), ConvNormAct(trunk, trunk, 1))
        self.width = compressed + trunk
        pooled = len(self.rings) * self.width
        self.head = nn.Sequential(conv1x1(pooled, hidden), nn.ReLU(inplace=True),
                                  conv1x1(hidden, bands))
        self.linear = conv1x1(pooled, bands, bias=False)
        self.se = SqueezeExcitation(bands)
        uniform_init(self.head)
        uniform_init(self.se)
        nn.init.zeros_(self.linear.weight)
        if ring_mean_start:
            self.start_as_ring_mean()
        freeze(self.trunk)

    def start_as_ring_mean(self) -> None:
        """Start from the classic predictor: minus the first ring's mean of Y (gates open)."""
        bands = self.compress.in_channels
        with torch.no_grad():
            self.compress.weight.copy_(torch.eye(bands)[:, :, None, None])
            self.compress.bias.zero_()
            self.linear.weight.zero_()
            self.linear.weight[:, :bands, 0, 0] = -torch.eye(bands)
            self.head[-1].weight.zero_()
            self.head[-1].bias.zero_()
            self.se.fc2.weight.zero_()
            self.se.fc2.bias.fill_(6.0)  # sigmoid(6) = 0.9975: SE starts (almost) open

    @property
    def radius(self) -> int:
        return max(outer for _, outer in self.rings) // 2

    def train(self, mode: bool = True) -> "ContextBranch":
        super().train(mode)
        self.trunk.eval()
        return self

    def ungated(self, y: torch.Tensor) -> torch.Tensor:
        c = self.compress(y)
        z = torch.cat([c, self.trunk(c)], dim=1)
        boxes = {w: box_mean(z, w) for ring in self.rings for w in ring}  # shared windows
        pooled = torch.cat([_ring_from_boxes(boxes, i, o) for i, o in self.rings], dim=1)
        return self.head(pooled) + self.linear(pooled)

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        return self.se(self.ungated(y))
