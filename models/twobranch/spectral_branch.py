"""Stage 1: the spectral branch, trained by reverse distillation (FERD).

Training network: a trainable 1x1 band projection feeds a *frozen* teacher encoder (three
stages: a per-pixel stage, then two stride-2 stages); a trainable bottleneck fuses the three
stages into a compact code and a trainable student decoder reconstructs the teacher's features
from it. A trainable feature projection ``P`` maps teacher and student first-stage features
back to the grid's bands.

Inference keeps only the pruned part: ``F_spe = P(teacher_stage1(band_projection(X)))``. The
teacher's first stage is per pixel (1 x 1), so F_spe is a purely spectral function of each
pixel: the spatial information is left to the spatial branch (the paper's decoupling), and
tiles need no halo for it.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .blocks import ConvNormAct, PixelResidual, conv1x1, freeze


class TeacherEncoder(nn.Module):
    """Frozen encoder: stage a (per pixel), stage b (/2), stage c (/4)."""

    def __init__(self, inputs: int, widths: tuple = (64, 64, 96)):
        super().__init__()
        a, b, c = widths
        self.stage_a = nn.Sequential(ConvNormAct(inputs, a, 1), PixelResidual(a, a))
        self.stage_b = nn.Sequential(ConvNormAct(a, b, 3, stride=2), ConvNormAct(b, b))
        self.stage_c = nn.Sequential(ConvNormAct(b, c, 3, stride=2), ConvNormAct(c, c))

    def forward(self, x: torch.Tensor) -> list:
        fa = self.stage_a(x)
        fb = self.stage_b(fa)
        return [fa, fb, self.stage_c(fb)]


class Bottleneck(nn.Module):
    """Fuses the three teacher stages into one compact code at 1/8 resolution (RD's OCBE)."""

    def __init__(self, widths: tuple, code: int):
        super().__init__()
        a, b, c = widths
        self.down_a = nn.Sequential(ConvNormAct(a, c, 3, stride=2), ConvNormAct(c, c, 3, stride=2))
        self.down_b = ConvNormAct(b, c, 3, stride=2)
        self.fuse = nn.Sequential(ConvNormAct(3 * c, code, 1), ConvNormAct(code, code, 3, stride=2))

    def forward(self, feats: list) -> torch.Tensor:
        fa, fb, fc = feats
        return self.fuse(torch.cat([self.down_a(fa), self.down_b(fb), fc], dim=1))


class UpStage(nn.Module):
    """x2 transposed-conv upsampling followed by a conv (one student decoder stage)."""

    def __init__(self, inputs: int, outputs: int, kernel: int = 3):
        super().__init__()
        self.up = nn.Sequential(nn.ConvTranspose2d(inputs, outputs, 2, stride=2, bias=False),
                                nn.BatchNorm2d(outputs), nn.ReLU(inplace=True))
        self.conv = ConvNormAct(outputs, outputs, kernel)

    def forward(self, x: torch.Tensor, size: tuple) -> torch.Tensor:
        x = self.up(x)
        if x.shape[-2:] != size:
            x = F.interpolate(x, size=size, mode="bilinear", align_corners=False)
        return self.conv(x)


class StudentDecoder(nn.Module):
    """Reconstructs the teacher's stage c, b, a features from the bottleneck code."""

    def __init__(self, widths: tuple, code: int):
        super().__init__()
        a, b, c = widths
        self.to_c = UpStage(code, c)
        self.to_b = UpStage(c, b)
        self.to_a = UpStage(b, a, kernel=1)  # the teacher's stage a is per pixel

    def forward(self, code: torch.Tensor, sizes: list) -> list:
        gc = self.to_c(code, sizes[2])
        gb = self.to_b(gc, sizes[1])
        return [self.to_a(gb, sizes[0]), gb, gc]


class FeatureProjection(nn.Module):
    """``P``: first-stage features -> grid bands (two 1x1 convs with ReLU, non-negative output),
    plus the zero-centring classifier used only by the stage-1 loss."""

    def __init__(self, inputs: int, bands: int, hidden: int = 64):
        super().__init__()
        self.conv1 = conv1x1(inputs, hidden)
        self.conv2 = conv1x1(hidden, bands)
        self.conv3 = conv1x1(bands, 1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return F.relu(self.conv2(F.relu(self.conv1(z))))

    def discrepancy_logit(self, student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
        return self.conv3(torch.abs(self.forward(student) - self.forward(teacher)))


class SpectralBranch(nn.Module):
    """The pruned inference part: band projection -> teacher stage a -> P, giving F_spe."""

    def __init__(self, bands: int, projected: int = 32, width: int = 64, hidden: int = 64):
        super().__init__()
        self.band_projection = conv1x1(bands, projected, bias=False)
        self.stage_a = nn.Sequential(ConvNormAct(projected, width, 1), PixelResidual(width, width))
        self.projection = FeatureProjection(width, bands, hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.projection(self.stage_a(self.band_projection(x)))


class SpectralDistiller(nn.Module):
    """The stage-1 training network (reverse distillation around a frozen teacher)."""

    def __init__(self, bands: int, projected: int = 32, widths: tuple = (64, 64, 96),
                 code: int = 96, hidden: int = 64):
        super().__init__()
        self.band_projection = conv1x1(bands, projected, bias=False)
        self.teacher = TeacherEncoder(projected, widths)
        self.bottleneck = Bottleneck(widths, code)
        self.decoder = StudentDecoder(widths, code)
        self.reconstruct = conv1x1(widths[0], bands, bias=False)
        self.projection = FeatureProjection(widths[0], bands, hidden)
        nn.init.xavier_normal_(self.band_projection.weight)
        nn.init.xavier_normal_(self.reconstruct.weight)
        for m in self.projection.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.xavier_normal_(m.weight)
                nn.init.zeros_(m.bias)
        freeze(self.teacher)

    def train(self, mode: bool = True) -> "SpectralDistiller":
        super().train(mode)
        self.teacher.eval()  # frozen: its batch-norm statistics never drift
        return self

    def forward(self, x: torch.Tensor) -> dict:
        feats = self.teacher(self.band_projection(x))
        student = self.decoder(self.bottleneck(feats), [f.shape[-2:] for f in feats])
        return {"teacher": feats, "student": student,
                "reconstruction": self.reconstruct(student[0]),
                "logit": self.projection.discrepancy_logit(student[0], feats[0]),
                "f_spe": self.projection(feats[0])}

    def pruned(self) -> SpectralBranch:
        """The inference branch with this network's weights (teacher stage a, P, projection)."""
        width = self.teacher.stage_a[0][0].out_channels
        branch = SpectralBranch(self.band_projection.in_channels, self.band_projection.out_channels,
                                width, self.projection.conv1.out_channels)
        branch.band_projection.load_state_dict(self.band_projection.state_dict())
        branch.stage_a.load_state_dict(self.teacher.stage_a.state_dict())
        branch.projection.load_state_dict(self.projection.state_dict())
        return branch.eval()
