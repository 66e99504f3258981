"""Stage 2: the spatial "rebellious student" (FERS) and its training-only restoration net.

``F_spa`` = SE(LocalPyramid(trunk(compress(X)))):

* spectral compression: 1x1 convs to a 3-channel "false colour" image in [0, 1];
* a frozen trunk (the paper uses ImageNet ResNet-34; here a stride-1 dilated conv stack, frozen
  after initialisation or self-supervised pretraining);
* local pyramid pooling: box means over fixed windows instead of the paper's adaptive global
  pools, so features depend on a bounded neighbourhood and tiles agree with whole scenes;
* squeeze-excitation gates from the *scene-wide* channel mean. The detector gets that mean in
  its fit pass, so the gates (a per-channel scale) are exact whatever the tiling.
"""
from __future__ import annotations

import torch
from torch import nn

from .blocks import (ChannelAttention, ConvNormAct, ResidualBlock, SqueezeExcitation, box_mean,
                     conv1x1, freeze, uniform_init)


class SpatialTrunk(nn.Module):
    """Frozen stride-1 dilated conv stack (receptive-field radius = sum of dilations)."""

    def __init__(self, inputs: int = 3, widths: tuple = (16, 24, 32, 32),
                 dilations: tuple = (1, 2, 4, 8)):
        super().__init__()
        layers, previous = [], inputs
        for width, dilation in zip(widths, dilations):
            layers.append(ConvNormAct(previous, width, 3, dilation))
            previous = width
        self.layers = nn.Sequential(*layers)
        self.radius = sum(dilations)
        self.channels = previous

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


# The paper ends with ReLU; it can die (F_spa = 0 everywhere, as happened here under L_var),
# so softplus (still non-negative) or no activation (signed F_spa) are offered.
OUTPUTS = {"relu": nn.ReLU, "softplus": nn.Softplus, "linear": nn.Identity}


class LocalPyramid(nn.Module):
    """Box means at several window sizes, concatenated, projected to the grid's bands.

    With ``linear_path`` a zero-initialised linear projection of the pooled maps is added to the
    non-linear head, so the branch can express local contrasts (a pixel's neighbourhood minus
    a wider ring) that a ReLU head can only approximate.
    """

    def __init__(self, inputs: int, bands: int, windows: tuple = (1, 5, 11, 21), hidden: int = 64,
                 output: str = "softplus", linear_path: bool = False):
        super().__init__()
        self.windows = tuple(windows)
        self.conv1 = conv1x1(len(windows) * inputs, hidden, bias=False)
        self.conv2 = conv1x1(hidden, bands, bias=False)
        self.act = nn.ReLU(inplace=True)
        self.out = OUTPUTS[output]()
        self.linear = conv1x1(len(windows) * inputs, bands, bias=False) if linear_path else None
        self.radius = max(windows) // 2

    def reset_linear_path(self) -> None:
        if self.linear is not None:
            nn.init.zeros_(self.linear.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = torch.cat([box_mean(x, w) for w in self.windows], dim=1)
        out = self.out(self.conv2(self.act(self.conv1(pooled))))
        return out if self.linear is None else out + self.linear(pooled)


class SpatialBranch(nn.Module):
    """The rebellious student: X -> F_spa (before/after the scene-wide SE gates)."""

    def __init__(self, bands: int, compress_hidden: int = 32, trunk_widths: tuple = (16, 24, 32, 32),
                 dilations: tuple = (1, 2, 4, 8), windows: tuple = (1, 5, 11, 21),
                 hidden: int = 64, output: str = "softplus", compressed: int = 3,
                 compress_output: str = "sigmoid", context: bool = False):
        super().__init__()
        squash = nn.Sigmoid() if compress_output == "sigmoid" else nn.Identity()
        self.compress = nn.Sequential(conv1x1(bands, compress_hidden), nn.ReLU(inplace=True),
                                      conv1x1(compress_hidden, compressed), squash)
        self.trunk = SpatialTrunk(compressed, trunk_widths, dilations)
        self.context = context
        pooled = self.trunk.channels + (compressed if context else 0)
        self.pyramid = LocalPyramid(pooled, bands, windows, hidden, output, linear_path=context)
        self.se = SqueezeExcitation(bands)
        uniform_init(self.compress)
        uniform_init(self.pyramid)
        uniform_init(self.se)
        self.pyramid.reset_linear_path()
        freeze(self.trunk)

    @property
    def radius(self) -> int:
        """Pixels of context each output pixel depends on (per side)."""
        return self.trunk.radius + self.pyramid.radius

    def train(self, mode: bool = True) -> "SpatialBranch":
        super().train(mode)
        self.trunk.eval()
        return self

    def ungated(self, x: torch.Tensor) -> torch.Tensor:
        """F_spa before the SE gates (what a tile can compute on its own)."""
        compressed = self.compress(x)
        feats = self.trunk(compressed)
        if self.context:
            feats = torch.cat([compressed, feats], dim=1)
        return self.pyramid(feats)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """F_spa with gates from each input's own channel mean (training: patch = scene)."""
        return self.se(self.ungated(x))


class FeatureRestorationNet(nn.Module):
    """Training only: reconstructs X from F_spa + F_spe (blocks of residual + channel attention)."""

    def __init__(self, bands: int, blocks: int = 1):
        super().__init__()
        layers = []
        for _ in range(blocks):
            layers += [ResidualBlock(bands), ChannelAttention(bands)]
        self.body = nn.Sequential(*layers)
        self.out = conv1x1(bands, bands)
        uniform_init(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.body(x))
