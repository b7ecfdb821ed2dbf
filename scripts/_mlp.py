"""The small network the eleventh, twelfth and fourteenth ways train: two hidden layers of
``width``, batch norm after the first where asked, dropout after each where asked; in
PyTorch by default, or in another framework's ``nn`` namespace of the same names (Paddle's,
whose batch norm is ``BatchNorm1D``)."""
from __future__ import annotations


def layers(inputs: int, width: int, outputs: int, dropout: float, batchnorm: bool,
           nn=None, norm: str = "BatchNorm1d") -> list:
    if nn is None:
        import torch

        nn = torch.nn
    out = [nn.Linear(inputs, width)]
    if batchnorm:
        out.append(getattr(nn, norm)(width))
    out.append(nn.ReLU())
    if dropout:
        out.append(nn.Dropout(dropout))
    out += [nn.Linear(width, width), nn.ReLU()]
    if dropout:
        out.append(nn.Dropout(dropout))
    out.append(nn.Linear(width, outputs))
    return out
