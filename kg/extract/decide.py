"""Decisions: the trained linear models that score entity names and relation candidates.

Stage four of extraction (normalise -> recognise -> candidates -> **decide** -> assemble). Each decision is a
logistic-regression model over the string features of :mod:`kg.extract.candidates`, trained by
:mod:`kg.extract.train` on the real-text gold and stored as data (``weights/decisions.json``: per model the
feature weights, the classes, a Platt calibration fitted on dev, and the threshold chosen on dev). Scoring is a
sparse dot product in plain Python, so extraction needs neither scikit-learn nor NumPy here.

Models: ``entity`` (ORG / MODEL / PROGRAM / NONE for a name), ``subsidiary`` (child -> parent), ``money`` (an
amount is an investment), ``investor`` (who pays it), ``developer`` (organization -> model), ``based_on``
(model -> model), ``organizer`` (organization -> programme). A model that is missing from the weights file
scores nothing (probability 0), so a partial file degrades to fewer facts, never to an error.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

WEIGHTS = Path(__file__).resolve().parent / "weights" / "decisions.json"


@dataclass(frozen=True)
class LinearModel:
    """A (multinomial or binary) logistic regression over named features, with calibration and a threshold."""

    name: str
    classes: tuple[str, ...]
    weights: dict[str, tuple[float, ...]]  # feature -> one weight per class (binary: one weight)
    bias: tuple[float, ...]
    calibration: tuple[float, float] = (1.0, 0.0)  # Platt: p = sigmoid(a * logit + b), for the positive class
    threshold: float = 0.5

    def scores(self, features: dict[str, float]) -> list[float]:
        s = list(self.bias)
        w = self.weights
        for k, v in features.items():
            row = w.get(k)
            if row is not None:
                for j, x in enumerate(row):
                    s[j] += x * v
        return s

    def probs(self, features: dict[str, float]) -> dict[str, float]:
        """Class probabilities. Binary models give ``{"yes": p, "no": 1 - p}`` (p calibrated)."""
        s = self.scores(features)
        if len(self.classes) == 2 and len(s) == 1:
            a, b = self.calibration
            p = _sigmoid(a * s[0] + b)
            return {self.classes[1]: p, self.classes[0]: 1.0 - p}
        m = max(s)
        exps = [math.exp(x - m) for x in s]
        z = sum(exps)
        return {c: e / z for c, e in zip(self.classes, exps, strict=True)}

    def prob(self, features: dict[str, float]) -> float:
        """Probability of the positive class (binary models)."""
        return self.probs(features).get(self.classes[-1], 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {"classes": list(self.classes), "bias": list(self.bias), "calibration": list(self.calibration),
                "threshold": self.threshold, "weights": {k: list(v) for k, v in sorted(self.weights.items())}}

    @classmethod
    def from_dict(cls, name: str, d: dict[str, Any]) -> LinearModel:
        return cls(name, tuple(d["classes"]), {k: tuple(v) for k, v in d["weights"].items()}, tuple(d["bias"]),
                   tuple(d.get("calibration", (1.0, 0.0))), float(d.get("threshold", 0.5)))  # type: ignore[arg-type]


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


class _Null:
    """Stands in for a model the weights file does not have: every probability is 0."""

    threshold = 1.0
    classes = ("no", "yes")

    def probs(self, features: dict[str, float]) -> dict[str, float]:
        return {"NONE": 1.0}

    def prob(self, features: dict[str, float]) -> float:
        return 0.0


@dataclass(frozen=True)
class Decisions:
    """Every trained decision model, by name, plus the manifest of what they were trained on."""

    models: dict[str, LinearModel]
    manifest: dict[str, Any]

    def get(self, name: str) -> LinearModel | _Null:
        return self.models.get(name) or _Null()

    def to_json(self) -> str:
        models = {k: m.to_dict() for k, m in sorted(self.models.items())}
        return json.dumps({"manifest": self.manifest, "models": models},
                          indent=None, separators=(",", ":"), sort_keys=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Decisions:
        d = json.loads(text)
        return cls({k: LinearModel.from_dict(k, v) for k, v in d.get("models", {}).items()}, d.get("manifest", {}))


@cache
def load_decisions(path: str | None = None) -> Decisions:
    """The shipped decision models (``weights/decisions.json``), or those of ``path``; none when absent."""
    p = Path(path) if path else WEIGHTS
    if not p.exists():
        return Decisions({}, {})
    return Decisions.from_json(p.read_text(encoding="utf-8"))
