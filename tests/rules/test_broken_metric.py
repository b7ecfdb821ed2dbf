"""broken-metric's test of a validation loss taken of probabilities (softmax applied twice),
on real Ultralytics classification runs from the public set: those whose values are such a
loss, those whose values no such loss can take, and the same values where nothing says the
trainer could have taken probabilities."""
from __future__ import annotations

import math

import pytest

from tests.conftest import DATA, make_run
from valgap.config import Config
from valgap.engine import analyze_input, analyze_run
from valgap.model import Facts
from valgap.rules import broken_metric

PUBLIC = DATA / "public"
SUFFIX = "__runs_classify_train_results.csv"


def first_causes(name: str) -> list[str]:
    (result,) = analyze_input(str(PUBLIC / f"{name}{SUFFIX}"), Config())
    return [c.rule for c in result.causes]


@pytest.mark.parametrize("name", [
    # two classes, accuracy 1.0 from epoch 17: validation 0.3132 = ln(1 + 1/e) to the end
    "JavaKhangNguyen+ACNE11-Classification",
    # four classes (weather), accuracy 0.96: validation flat at 0.78-0.80, training 0.006-0.03
    "5PCD3+Weather-Prediction-Using-YOLOV8",
    # 24 letters, accuracy 0.99: validation 2.26 every epoch
    "AMRIZH+SIBI_Letter_Recognition",
    # two classes, accuracy 0.95: validation 0.36-0.39 (0.95 x 0.313 + 0.05 x 1.313)
    "DiogoBrazil+breast-cancer-prediction",
])
def test_a_validation_loss_of_probabilities_comes_first(name):
    assert first_causes(name)[0] == "broken-metric"


@pytest.mark.parametrize("name", [
    # two classes, validation 0.304 at the end: below the least such a loss can be
    "AyoubBrm+dog-vs-cat",
    # validation 0.24-0.35 at accuracy 0.24-0.74 (Ultralytics 8.3.39 or later): overfitting
    "Prakash-Suthar+brain_tumor_detection",
    # validation 1.96 at accuracy 0.31, then 0.84 at 0.71: no class count holds both
    "Alua2+emotional-detection",
    # validation 0.0005-0.1 at accuracy 1.0
    "Alexandor136+YOLOv11_cls",
])
def test_a_real_cross_entropy_is_not_taken_for_one(name):
    assert "broken-metric" not in first_causes(name)


def confident_run(classes: int, epochs: int = 12, val_probabilities: bool | None = True):
    """A confident classifier's run whose validation loss is a cross-entropy of its
    probabilities: right predictions cost ln(1 + (C - 1)/e), wrong ones ln(e + C - 1)."""
    accuracy = [min(0.99, 0.8 + 0.02 * i) for i in range(epochs)]
    val = [a * math.log(1 + (classes - 1) / math.e) + (1 - a) * math.log(math.e + classes - 1)
           for a in accuracy]
    train = [1.5 * 0.6 ** i for i in range(epochs)]
    return make_run(train, val, val_accuracy=accuracy), Facts(val_probabilities=val_probabilities)


@pytest.mark.parametrize("classes", [2, 3, 10, 100])
def test_values_of_probabilities_fire_at_any_class_count(classes):
    run, facts = confident_run(classes)
    result = analyze_run(run, Config(facts=facts))
    found = {c.rule: c for c in result.causes}
    assert found["broken-metric"].confidence == broken_metric.PROBABILITY_CONFIDENCE
    assert f"C = {classes} classes" in found["broken-metric"].evidence
    assert result.causes[0].rule == "broken-metric"


def test_the_same_values_say_nothing_where_no_trainer_took_probabilities():
    run, facts = confident_run(4, val_probabilities=None)
    result = analyze_run(run, Config(facts=facts))
    assert "broken-metric" not in {c.rule for c in result.causes}
