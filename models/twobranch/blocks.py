"""Small building blocks shared by both branches (plain ``nn.Module``s, CPU-friendly).

All spatial operations are stride 1 with replicate padding and a finite receptive field, so a
tile read with a large enough halo gives the same features as the whole scene.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def conv1x1(inputs: int, outputs: int, bias: bool = True) -> nn.Conv2d:
    return nn.Conv2d(inputs, outputs, 1, bias=bias)


class ConvNormAct(nn.Sequential):
    """conv (k x k, dilation d, replicate padding) -> batch norm -> ReLU."""

    def __init__(self, inputs: int, outputs: int, kernel: int = 3, dilation: int = 1,
                 stride: int = 1, act: bool = True):
        pad = dilation * (kernel // 2)
        layers = [nn.Conv2d(inputs, outputs, kernel, stride=stride, padding=pad,
                            dilation=dilation, bias=False, padding_mode="replicate"),
                  nn.BatchNorm2d(outputs)]
        if act:
            layers.append(nn.ReLU(inplace=True))
        super().__init__(*layers)


class PixelResidual(nn.Module):
    """A per-pixel (1 x 1) residual block: the spectral branch never looks at neighbours."""

    def __init__(self, channels: int, hidden: int):
        super().__init__()
        self.body = nn.Sequential(ConvNormAct(channels, hidden, 1), ConvNormAct(hidden, channels, 1,
                                                                                act=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x + self.body(x))


def box_mean(x: torch.Tensor, size: int) -> torch.Tensor:
    """Mean over a size x size window centred on each pixel (replicate edges).

    Running sums along rows then columns: the cost does not grow with the window (pooling a
    33-pixel window directly was the slowest step of inference).
    """
    if size <= 1:
        return x
    half = size // 2
    x = F.pad(x, (half, half, half, half), mode="replicate")
    rows = F.pad(torch.cumsum(x, dim=-2), (0, 0, 1, 0))
    x = rows[..., size:, :] - rows[..., :-size, :]
    cols = F.pad(torch.cumsum(x, dim=-1), (1, 0))
    return (cols[..., size:] - cols[..., :-size]) / float(size * size)


class SqueezeExcitation(nn.Module):
    """Channel gates from a scene-wide channel mean (given, or the mean of this input)."""

    def __init__(self, channels: int, reduction: int = 8):
        super().__init__()
        hidden = max(channels // reduction, 2)
        self.fc1 = conv1x1(channels, hidden)
        self.fc2 = conv1x1(hidden, channels)

    def gates(self, channel_mean: torch.Tensor) -> torch.Tensor:
        """(batch, channels, 1, 1) gates in (0, 1) from (batch, channels, 1, 1) means."""
        return torch.sigmoid(self.fc2(F.relu(self.fc1(channel_mean))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gates(x.mean(dim=(2, 3), keepdim=True))


def uniform_init(module: nn.Module, bound: float = 0.1) -> None:
    """The authors' init for new convolutions: weights U(-bound, bound)."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.uniform_(m.weight, -bound, bound)


def freeze(module: nn.Module) -> nn.Module:
    """No gradients to the weights, batch norm in inference mode (statistics stay as set)."""
    for p in module.parameters():
        p.requires_grad_(False)
    module.eval()
    return module
