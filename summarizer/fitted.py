"""Fitted logistic regressions shipped as small JSON files in this package.

The fitting scripts (``bench/fit_*.py``) write the weights over standardised
features; here they are read once, offline, and applied with a dot product and a
sigmoid: no scikit-learn at run time.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Model:
    """A fitted logistic regression over standardised features."""

    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float

    def probability(self, row: dict[str, float]) -> float:
        z = self.intercept
        columns = zip(self.names, self.mean, self.scale, self.coef, strict=True)
        for name, mean, scale, coef in columns:
            z += coef * (row.get(name, 0.0) - mean) / scale
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@cache
def load(filename: str) -> Model:
    """The model in ``filename`` beside this module, read once."""
    raw = json.loads(resources.files(__package__).joinpath(filename).read_text("utf-8"))
    return Model(
        names=tuple(raw["features"]),
        mean=tuple(raw["mean"]),
        scale=tuple(raw["scale"]),
        coef=tuple(raw["coef"]),
        intercept=float(raw["intercept"]),
        threshold=float(raw["threshold"]),
    )
