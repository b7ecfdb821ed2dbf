#!/usr/bin/env python3
"""Make labelled real runs a thirty-second way: Flair's ``ModelTrainer`` training its own
NLP models, the log the ``training.log`` it writes (the model's repr, the corpus's sizes,
the parameters, ``epoch 3 - iter 7/13 - loss 0.52 ...`` lines, ``EPOCH 3 done: loss 0.51``,
``DEV : loss 0.47 - f1-score (micro avg)  0.81``) or its ``loss.tsv`` (``EPOCH
TIMESTAMP LEARNING_RATE TRAIN_LOSS DEV_LOSS DEV_PRECISION ...``).

Tasks, generated (no download): sentiment-like classification of short sentences (two cue
words among fillers, half of them with a cue of the other class, a tenth mislabelled) by a
``TextClassifier`` over ``DocumentRNNEmbeddings`` (a GRU over one-hot word embeddings), and
tagging names and places in sentences (the tag read from the word and its neighbour) by a
``SequenceTagger`` (BiLSTM, with or without a CRF). Flair's tagger defaults to
``locked_dropout=0.5`` and ``word_dropout=0.05``; its training loss is the epoch's mean in
train mode, the dev loss the model's at the epoch's end.

Scenarios: dropout in the document embeddings, none on 150 sentences and a wide GRU, a
rate too small, 30 % of the training labels flipped, the tagger with Flair's defaults (its
repr printed, or only ``loss.tsv`` kept), the tagger with no dropout on 120 sentences, dev
sentences copied from training.

Beside each log the script writes ``numbers.json``: the printed losses and the training set
re-scored in inference mode (``model.evaluate`` on it after each epoch), for labelling;
valgap never reads it. The labels below were written from those numbers before valgap read
any run. Seed 1 is the development half, seed 2 held out::

    venv/bin/pip install flair pyyaml
    venv/bin/python scripts/make_thirtysecondway_runs.py tests/data/thirtysecondway --seeds 1 2
"""
from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

import _labels

# scenario -> expected fit, fit alternatives, causes, family (from the numbers)
LABELS: dict[str, _labels.Label] = {
    # dropout 0.5 in the document embeddings (the repr printed): validation below the
    # printed loss at 84-100 % of epochs (0.72-0.80x late); the printed loss 1.04-1.14x
    # the inference-mode one, validation 0.80-0.84x that too (the dev sample is easier)
    "fl_cls_dropout": ("val-below-train", [], ["dropout", "easy-validation"], "train-mode"),
    # 150 sentences, a GRU of 256: validation lowest at 18 (4) and 15-45 % above that at
    # 30, 2.5-3.6x training late
    "fl_cls_overfit": ("overfit", [], ["overfitting-onset"], "fit"),
    # a rate of 1e-4 (Flair's annealing stops it after 14 and 9 epochs): both at 0.69-0.70
    "fl_cls_underfit": ("underfit", [], [], None),
    # dev sentences drawn from the training set: validation follows the inference-mode
    # training loss (1.11x, 0.81x), beside the printed loss (1.03x, 0.72x late)
    "fl_cls_dev_copies": ("good-fit", ["val-below-train"], ["leakage"], "data-split"),
    # Flair's tagger defaults (locked dropout 0.5, word dropout 0.05): the printed loss
    # 0.96-0.98x the inference-mode one; validation lowest at 21 (9), 4.9-8.1x training
    # late (training 0.02-0.06)
    "fl_tag_defaults": ("overfit", [], ["overfitting-onset"], "fit"),
    "fl_tag_defaults_tsv": ("overfit", [], ["overfitting-onset"], "fit"),
    # no dropout, 120 sentences, an LSTM of 256: validation lowest at 27 (26), then 22-37 %
    # above that while training falls 0.19 -> 0.11 (0.18 -> 0.13)
    "fl_tag_overfit": ("overfit", [], ["overfitting-onset"], "fit"),
}
SEED_LABELS: dict[tuple[str, int], _labels.Label] = {
    # 30 % of training labels flipped (and a tenth of every set's): validation stays at
    # 0.70-0.74, at or above chance, while training falls 0.74 -> 0.59-0.61 (1.15x late,
    # flat over the second half)
    ("fl_cls_noisy", 1): ("underfit", ["overfit"], [], None),
    # the same, training falling on to 0.54 over the second half while validation rises
    # from its lowest (0.667 at 13) to 0.72: 1.2x late
    ("fl_cls_noisy", 2): ("overfit", ["underfit"], ["overfitting-onset"], "fit"),
    # the dev sample sits below the printed loss at 80 % of the late epochs (0.72x)
    ("fl_cls_dev_copies", 2): ("val-below-train", ["good-fit"], ["leakage"], "data-split"),
}

# scenario -> (task, training sentences, dropout, word dropout, locked dropout, hidden
# size, learning rate, epochs, training labels flipped, dev from training, kept log)
PLANS = {
    "fl_cls_dropout": ("cls", 600, 0.5, 0.0, 0.0, 64, 0.1, 25, 0.0, False, "training.log"),
    "fl_cls_overfit": ("cls", 150, 0.0, 0.0, 0.0, 256, 0.1, 30, 0.0, False, "training.log"),
    "fl_cls_underfit": ("cls", 600, 0.0, 0.0, 0.0, 64, 1e-4, 15, 0.0, False, "training.log"),
    "fl_cls_noisy": ("cls", 600, 0.0, 0.0, 0.0, 64, 0.1, 25, 0.3, False, "training.log"),
    "fl_cls_dev_copies": ("cls", 400, 0.0, 0.0, 0.0, 128, 0.1, 30, 0.0, True, "training.log"),
    "fl_tag_defaults": ("tag", 400, 0.0, 0.05, 0.5, 64, 0.1, 25, 0.0, False, "training.log"),
    "fl_tag_defaults_tsv": ("tag", 400, 0.0, 0.05, 0.5, 64, 0.1, 25, 0.0, False, "loss.tsv"),
    "fl_tag_overfit": ("tag", 120, 0.0, 0.0, 0.0, 256, 0.1, 30, 0.0, False, "training.log"),
}

FILLERS = ["the", "a", "this", "that", "movie", "film", "plot", "actor", "scene", "story",
           "was", "is", "it", "very", "quite", "really", "just", "so", "much", "rather",
           "somewhat", "and", "but", "with", "for", "of"]
CUES = {"pos": ["good", "great", "fine", "nice", "superb", "lovely", "brilliant", "charming"],
        "neg": ["bad", "awful", "poor", "nasty", "dire", "grim", "dull", "tedious"]}
NAMES = ["anna", "ben", "clara", "david", "emma", "felix", "greta", "hugo"]
PLACES = ["paris", "berlin", "rome", "oslo", "vienna", "lisbon", "prague", "dublin"]


def _sentence(rng: random.Random, label: str) -> str:
    other = "neg" if label == "pos" else "pos"
    words = rng.choices(FILLERS, k=rng.randint(6, 12)) + rng.choices(CUES[label], k=2)
    if rng.random() < 0.5:
        words.append(rng.choice(CUES[other]))
    rng.shuffle(words)
    return " ".join(words)


def classification_corpus(folder: Path, rng: random.Random, rows: int, flipped: float,
                          dev_copies: bool) -> None:
    """FastText-format train/dev/test files: ``__label__pos words ...``; a tenth of every
    set's labels wrong (the task's own noise), ``flipped`` more of the training set's."""
    def labelled(n: int, flip: float = 0.0) -> list[str]:
        out = []
        for _ in range(n):
            label = rng.choice(["pos", "neg"])
            text = _sentence(rng, label)
            if rng.random() < 0.1 + flip:
                label = "neg" if label == "pos" else "pos"
            out.append(f"__label__{label} {text}")
        return out
    train = labelled(rows, flipped)
    dev = rng.sample(train, 150) if dev_copies else labelled(150)
    for name, lines in (("train.txt", train), ("dev.txt", dev), ("test.txt", labelled(150))):
        (folder / name).write_text("\n".join(lines) + "\n")


def tagging_corpus(folder: Path, rng: random.Random, rows: int) -> None:
    """Column files (``word tag``): a name after "met" or "with" is a person, after "in"
    or "to" a place; the same words elsewhere, or names among places, are tagged O."""
    def sentence() -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for _ in range(rng.randint(2, 4)):
            verb = rng.choice(["met", "with", "in", "to", "saw"])
            noun = rng.choice(NAMES + PLACES)
            tag = {"met": "PER", "with": "PER", "in": "LOC", "to": "LOC"}.get(verb, "O")
            if (tag == "PER" and noun in PLACES) or (tag == "LOC" and noun in NAMES):
                tag = "O"
            out += [(w, "O") for w in rng.choices(FILLERS, k=rng.randint(1, 4))]
            out += [(verb, "O"), (noun, tag if tag == "O" else f"S-{tag}")]
        return out
    for name, n in (("train.txt", rows), ("dev.txt", 150), ("test.txt", 150)):
        blocks = ["\n".join(f"{w} {t}" for w, t in sentence()) for _ in range(n)]
        (folder / name).write_text("\n\n".join(blocks) + "\n")


def train(scenario: str, seed: int, numbers_path: str) -> None:
    """In a child process: the model trained by Flair, its log and the numbers."""
    import flair
    import torch
    from flair.datasets import ClassificationCorpus, ColumnCorpus
    from flair.embeddings import DocumentRNNEmbeddings
    from flair.embeddings.token import OneHotEmbeddings
    from flair.models import SequenceTagger, TextClassifier
    from flair.trainers import ModelTrainer
    from flair.trainers.plugins.base import TrainerPlugin

    task, rows, dropout, word_dropout, locked, hidden, lr, epochs, flipped, copies, kept = \
        PLANS[scenario]
    flair.set_seed(seed)
    rng = random.Random(seed)
    numbers: dict[str, list[float]] = {"train_eval_mode": []}
    with tempfile.TemporaryDirectory() as where:
        data, out = Path(where) / "data", Path(where) / "out"
        data.mkdir()
        if task == "cls":
            label = "sentiment"
            classification_corpus(data, rng, rows, flipped, copies)
            corpus = ClassificationCorpus(data, label_type=label)
            words = OneHotEmbeddings.from_corpus(corpus, embedding_length=32)
            document = DocumentRNNEmbeddings([words], hidden_size=hidden, dropout=dropout,
                                             word_dropout=word_dropout)
            model = TextClassifier(document, label_type=label,
                                   label_dictionary=corpus.make_label_dictionary(label))
        else:
            label = "ner"
            tagging_corpus(data, rng, rows)
            corpus = ColumnCorpus(data, {0: "text", 1: label})
            words = OneHotEmbeddings.from_corpus(corpus, embedding_length=32)
            model = SequenceTagger(words, corpus.make_label_dictionary(label, add_unk=False),
                                   label, hidden_size=hidden, dropout=dropout,
                                   word_dropout=word_dropout, locked_dropout=locked)

        class TrainingSetInInferenceMode(TrainerPlugin):
            @TrainerPlugin.hook
            def after_training_epoch(self, epoch, **kw):
                with torch.no_grad():
                    result = self.model.evaluate(corpus.train, gold_label_type=label,
                                                 mini_batch_size=64)
                numbers["train_eval_mode"].append(float(result.loss))
                self.model.train()

        ModelTrainer(model, corpus).train(out, max_epochs=epochs, learning_rate=lr,
                                          mini_batch_size=32, save_final_model=False,
                                          plugins=[TrainingSetInInferenceMode()])
        table = [line.split("\t") for line in (out / "loss.tsv").read_text().splitlines()]
        numbers["train"] = [float(r[table[0].index("TRAIN_LOSS")]) for r in table[1:]]
        numbers["val"] = [float(r[table[0].index("DEV_LOSS")]) for r in table[1:]]
        numbers["log"] = (out / kept).read_text()
    Path(numbers_path).write_text(json.dumps(numbers))


def run(scenario: str, seed: int) -> tuple[str, dict, str]:
    text, numbers = _labels.child_run(__file__, scenario, seed)
    kept = PLANS[scenario][-1]
    return _labels.kept_file(text, numbers, kept, "console.log")


def main() -> int:
    return _labels.generate(__doc__, list(PLANS), run, "flair", LABELS, SEED_LABELS, "val",
                            child=train)


if __name__ == "__main__":
    raise SystemExit(main())
