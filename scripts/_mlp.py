"""The small network the eleventh and twelfth ways train: two hidden layers of ``width``,
batch norm after the first where asked, dropout after each where asked."""
from __future__ import annotations


def layers(inputs: int, width: int, outputs: int, dropout: float, batchnorm: bool) -> list:
    import torch

    out = [torch.nn.Linear(inputs, width)]
    if batchnorm:
        out.append(torch.nn.BatchNorm1d(width))
    out.append(torch.nn.ReLU())
    if dropout:
        out.append(torch.nn.Dropout(dropout))
    out += [torch.nn.Linear(width, width), torch.nn.ReLU()]
    if dropout:
        out.append(torch.nn.Dropout(dropout))
    out.append(torch.nn.Linear(width, outputs))
    return out
