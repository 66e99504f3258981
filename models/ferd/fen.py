"""The FERD feature-enhancement network (FEN), for inference with the authors' released weights.

The FEN (Jin, Dang, Zhu, IEEE GRSL 2024; the frozen stage-1 teacher of FERS, arXiv 2510.18781) is

    f2 = P( layer1( ConvH( reflect_pad_4(X) ) )[:, :, 4:-4, 4:-4] )

* ``ConvH``: a 1x1 convolution C -> 64 without bias (the reflect padding of 4 is applied to the
  input first; a 1x1 convolution commutes with it);
* ``layer1``: the first stage of an ImageNet Wide-ResNet-101-2 (3 Bottleneck blocks, width 128,
  expansion 4, 64 -> 256 channels, a 1x1 convolution + BatchNorm downsample branch on the first
  block), always in eval mode (running BatchNorm statistics);
* ``P``: the pixel classifier's projection, ``ReLU(conv2(ReLU(conv1(z))))`` with 1x1 convolutions
  256 -> h -> C, h = 256 if C > 128 else 128. Its ``conv3`` (C -> 1) is a training-only head: it is
  built so the released ``pc.pt`` loads with ``strict=True`` but is never used here.

The enhanced cube scored by RX is ``f2 + X``. This module depends on torch only and ships no weights:
:func:`load_fen` reads a folder the user names, holding ``convh.pt``, ``enc.pt`` and ``pc.pt``, each
a dict with the state_dict under the key ``state_dict`` (the authors' release). hsad never ships,
downloads or trains from these weights; ``hsad.engine.methods.ferd`` runs them as the ``ferd``
method, with the authors' exact preprocessing.
"""
from __future__ import annotations

import os
from typing import Dict, Optional

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

#: Reflect padding (pixels per side) the authors apply before ConvH and crop after layer1.
PAD = 4
#: Spatial receptive-field radius of the FEN: one pixel per 3x3 convolution in layer1 (3 blocks).
RECEPTIVE_RADIUS = 3
#: Channels out of ConvH (= WRN layer1 input) and out of layer1.
STEM_CHANNELS = 64
FEATURE_CHANNELS = 256

WEIGHT_FILES = ("convh.pt", "enc.pt", "pc.pt")


class Bottleneck(nn.Module):
    """A torchvision-style (ResNet v1.5) Bottleneck block, stride 1, eval-mode BatchNorm.

    1x1 conv -> BN -> ReLU -> 3x3 conv (zero padding 1) -> BN -> ReLU -> 1x1 conv -> BN, plus the
    identity (or ``downsample(x)``), then ReLU. Attribute names match torchvision so that state_dict
    keys (``conv1``, ``bn1``, ..., ``downsample.0``, ``downsample.1``) load unchanged.
    """

    expansion = 4

    def __init__(self, in_channels: int, width: int, out_channels: int,
                 downsample: Optional[nn.Module] = None) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, width, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, kernel_size=3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, out_channels, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


def wide_resnet101_2_layer1() -> nn.Sequential:
    """Wide-ResNet-101-2 ``layer1``: 3 Bottlenecks of width 128 (2 x 64), 64 -> 256 channels."""
    width = 2 * 64
    out = 64 * Bottleneck.expansion
    downsample = nn.Sequential(
        nn.Conv2d(STEM_CHANNELS, out, kernel_size=1, bias=False),
        nn.BatchNorm2d(out),
    )
    return nn.Sequential(
        Bottleneck(STEM_CHANNELS, width, out, downsample),
        Bottleneck(out, width, out),
        Bottleneck(out, width, out),
    )


class ChannelProjection(nn.Module):
    """ConvH: a 1x1 convolution C -> 64 without bias (``convh.pt`` holds ``convh.weight``)."""

    def __init__(self, bands: int) -> None:
        super().__init__()
        self.convh = nn.Conv2d(bands, STEM_CHANNELS, kernel_size=1, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        return self.convh(x)


class Encoder(nn.Module):
    """The frozen layer1 encoder (``enc.pt`` holds ``layer1.*`` keys)."""

    def __init__(self) -> None:
        super().__init__()
        self.layer1 = wide_resnet101_2_layer1()

    def forward(self, x: Tensor) -> Tensor:
        return self.layer1(x)


class PixelProjection(nn.Module):
    """The pixel classifier's projection 256 -> h -> C (ReLU after each), h = 256 if C > 128 else 128.

    ``conv3`` (C -> 1, the training-time anomaly head) exists only so ``pc.pt`` loads strictly.
    """

    def __init__(self, bands: int) -> None:
        super().__init__()
        hidden = 256 if bands > 128 else 128
        self.conv1 = nn.Conv2d(FEATURE_CHANNELS, hidden, kernel_size=1, bias=True)
        self.conv2 = nn.Conv2d(hidden, bands, kernel_size=1, bias=True)
        self.conv3 = nn.Conv2d(bands, 1, kernel_size=1, bias=True)

    def forward(self, z: Tensor) -> Tensor:
        return F.relu(self.conv2(F.relu(self.conv1(z))))


class FEN(nn.Module):
    """The FERD feature-enhancement network for ``bands`` input bands (inference only).

    ``forward(x)`` takes a preprocessed (B, C, H, W) tensor (H, W >= 5) and returns f2, the
    non-negative (B, C, H, W) feature cube; the enhanced cube is ``f2 + x``.
    ``forward_unpadded(xp)`` takes an input already extended by ``PAD`` pixels on every side (by
    reflection or by real neighbouring pixels) and returns f2 for its centre: the building block of
    exact tiled inference.
    """

    def __init__(self, bands: int) -> None:
        super().__init__()
        if bands < 1:
            raise ValueError(f"a FEN needs at least one band, not {bands}")
        self.bands = bands
        self.convh = ChannelProjection(bands)
        self.enc = Encoder()
        self.pc = PixelProjection(bands)
        self.eval()

    def train(self, mode: bool = True) -> "FEN":
        """Always eval: the released layer1 BatchNorm statistics must never be updated."""
        return super().train(False)

    def forward_unpadded(self, xp: Tensor) -> Tensor:
        """f2 for the centre of ``xp`` (B, C, H + 2*PAD, W + 2*PAD), without padding it again."""
        if xp.shape[1] != self.bands:
            raise ValueError(f"this FEN expects {self.bands} bands, got {xp.shape[1]}")
        z = self.enc(self.convh(xp))
        z = z[:, :, PAD:z.shape[2] - PAD, PAD:z.shape[3] - PAD]
        return self.pc(z)

    def forward(self, x: Tensor) -> Tensor:
        if min(x.shape[-2:]) <= PAD:
            raise ValueError(f"the FEN needs at least {PAD + 1} x {PAD + 1} pixels "
                             f"(reflect padding of {PAD}), got {tuple(x.shape[-2:])}")
        xp = F.pad(x, [PAD, PAD, PAD, PAD], mode="reflect")
        return self.forward_unpadded(xp)


def _read_state_dict(path: str) -> Dict[str, Tensor]:
    """The state_dict stored under ``state_dict`` in one weight file; ValueError naming the file."""
    if not os.path.isfile(path):
        raise ValueError(f"{path}: FEN weight file not found")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # unpickling errors have many types
        raise ValueError(f"{path}: not a readable torch weight file ({type(exc).__name__})") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("state_dict"), dict):
        raise ValueError(f"{path}: no state_dict under the key 'state_dict'")
    return payload["state_dict"]


def fen_bands(folder: str) -> int:
    """The band count C the FEN weights in ``folder`` expect (from the ConvH weight, 64 x C x 1 x 1)."""
    path = os.path.join(folder, "convh.pt")
    weight = _read_state_dict(path).get("convh.weight")
    if not isinstance(weight, Tensor) or weight.ndim != 4 or weight.shape[0] != STEM_CHANNELS \
            or weight.shape[2:] != (1, 1):
        raise ValueError(f"{path}: no ConvH weight of shape ({STEM_CHANNELS}, C, 1, 1)")
    return int(weight.shape[1])


def load_fen(folder: str) -> FEN:
    """A FEN in eval mode with the weights of ``folder`` (convh.pt, enc.pt, pc.pt; strict loading)."""
    fen = FEN(fen_bands(folder))
    for name, module in zip(WEIGHT_FILES, (fen.convh, fen.enc, fen.pc)):
        path = os.path.join(folder, name)
        state = _read_state_dict(path)
        try:
            module.load_state_dict(state, strict=True)
        except RuntimeError as exc:
            first = str(exc).strip().splitlines()
            detail = " ".join(line.strip() for line in first[1:3]) if len(first) > 1 else first[0]
            raise ValueError(f"{path}: incompatible with a {fen.bands}-band FEN ({detail[:200]})") \
                from None
    return fen.eval()


class FenRunner:
    """The FEN on a device, taking and returning numpy arrays (what the engine's tiles are)."""

    def __init__(self, folder: str, device: str = "cpu"):
        self.device = device
        self.fen = load_fen(folder).to(device)

    @property
    def bands(self) -> int:
        return self.fen.bands

    def __call__(self, window: np.ndarray) -> np.ndarray:
        """f2 (rows - 2 PAD, cols - 2 PAD, C) float32 of a preprocessed (rows, cols, C) window
        that already holds PAD pixels of context (or reflection) on every side."""
        with torch.inference_mode():
            x = torch.from_numpy(np.ascontiguousarray(window.transpose(2, 0, 1)))[None]
            f2 = self.fen.forward_unpadded(x.to(self.device))
            return f2[0].permute(1, 2, 0).float().cpu().numpy()


def cuda_available() -> bool:
    return bool(torch.cuda.is_available())

