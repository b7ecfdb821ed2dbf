"""Arithmetic that holds for any float a log can contain.

Losses in real logs span 1e-300 to 1e300. A ratio of two of them can overflow to inf or
underflow to 0 (and ``log(0)`` raises), a square overflows past 1e154, and ``exp`` raises
past 709. Curves are compared on a log scale through these helpers instead.
"""
from __future__ import annotations

import math

_EXP_MAX = 700.0  # exp(700) ~ 1e304: still finite


def log_ratio(a: float, b: float) -> float:
    """log(a / b) for positive a, b without forming the quotient (which may be 0 or inf)."""
    return math.log(a) - math.log(b)


def exp_safe(x: float) -> float:
    """exp(x), capped where the float range ends (for ratios shown to people)."""
    return math.exp(min(x, _EXP_MAX))


def times(log_ratio_value: float) -> str:
    """A ratio shown to people from its log: ``2.5x``, ``197x``, ``3e+05x``."""
    ratio = exp_safe(log_ratio_value)
    if ratio >= 1e5:
        return f"{ratio:.0e}x"
    return f"{ratio:.0f}x" if ratio >= 10 else f"{ratio:.2g}x"


def spread(values: list[float]) -> float:
    """Population standard deviation, scaled first so that squares cannot overflow."""
    if not values:
        return 0.0
    scale = max(abs(v) for v in values)
    if not scale or not math.isfinite(scale):
        return 0.0 if not scale else math.inf
    scaled = [v / scale for v in values]
    mean = math.fsum(scaled) / len(scaled)
    return scale * math.sqrt(math.fsum((v - mean) ** 2 for v in scaled) / len(scaled))


def mean(values: list[float]) -> float:
    """Arithmetic mean that does not overflow on large values."""
    if not values:
        return 0.0
    return math.fsum(v / len(values) for v in values)
