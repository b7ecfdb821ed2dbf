#!/usr/bin/env python3
"""Write small real logs made by the libraries people train with into tests/data/libs/,
with expected.json (epochs, first and last losses as each library itself reports them).

Every run is real and tiny (seconds on a CPU, no download: synthetic data, models built
from their configurations):

  fastai        ``learn.fit`` of a tabular learner: the text table it prints in a script
                (fastai.log) and, run in a Jupyter kernel, the HTML table a notebook saves
                (fastai.ipynb, after a first cell that prints a 5,000-line unzip listing)
  transformers  the Trainer in a Jupyter kernel: the notebook's HTML table
                ``Epoch | Training Loss | Validation Loss`` (hf-trainer.ipynb)
  ultralytics   YOLOv8n from its yaml on 24 generated images: results.csv (loss parts, no
                total) and what training prints (yolo-train.log)
  mmengine      a Runner training a small network by epochs, validated each epoch with a
                metric that is the validation loss: its JSON Lines scalars (mmengine.json)

The libraries live only in the environment that runs this script (``make fixtures``)::

    python -m venv .venv-libs
    .venv-libs/bin/pip install torch==2.14.1 torchvision==0.29.1 fastai ultralytics \\
        transformers accelerate mmengine nbclient nbformat ipykernel
    .venv-libs/bin/python scripts/make_library_fixtures.py
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "libs"
os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

FASTAI_CELL = """
import numpy as np, pandas as pd
from fastai.tabular.all import (CategoryBlock, Normalize, TabularDataLoaders, accuracy,
                                tabular_learner, set_seed)
set_seed(0)
rng = np.random.default_rng(0)
df = pd.DataFrame(rng.normal(size=(600, 4)), columns=list("abcd"))
df["y"] = ((df.a + 0.5 * df.b + rng.normal(0, 0.8, 600)) > 0).astype(int)
dls = TabularDataLoaders.from_df(df, y_names="y", cont_names=list("abcd"), procs=[Normalize],
                                 y_block=CategoryBlock(), valid_idx=list(range(480, 600)),
                                 bs=32)
learn = tabular_learner(dls, layers=[64, 32], metrics=accuracy)
learn.fit(6, 1e-2)
values = [[float(v) for v in row] for row in learn.recorder.values]
"""

HF_CELL = """
import numpy as np, torch
from torch.utils.data import Dataset
from transformers import (BertConfig, BertForSequenceClassification, Trainer,
                          TrainingArguments, set_seed)
set_seed(0)
class Tokens(Dataset):
    def __init__(self, n, seed):
        g = torch.Generator().manual_seed(seed)
        self.x = torch.randint(5, 60, (n, 16), generator=g)
        self.y = (self.x[:, :4].sum(1) > 4 * 32).long()
        flip = torch.rand(n, generator=g) < 0.15
        self.y[flip] = 1 - self.y[flip]
    def __len__(self):
        return len(self.y)
    def __getitem__(self, i):
        return {"input_ids": self.x[i], "labels": self.y[i]}
config = BertConfig(vocab_size=64, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                    intermediate_size=64, num_labels=2, hidden_dropout_prob=0.1)
args = TrainingArguments(output_dir=OUTPUT_DIR, num_train_epochs=5, eval_strategy="epoch",
                         logging_strategy="epoch", per_device_train_batch_size=32,
                         learning_rate=1e-3, report_to=[], save_strategy="no", use_cpu=True,
                         seed=0)
trainer = Trainer(model=BertForSequenceClassification(config), args=args,
                  train_dataset=Tokens(640, 1), eval_dataset=Tokens(160, 2))
trainer.train()
history = trainer.state.log_history
"""


def fastai_text() -> dict:
    """The table fastai prints when not in a notebook."""
    out = io.StringIO()
    scope: dict = {}
    with contextlib.redirect_stdout(out):
        exec(FASTAI_CELL, scope)
    (OUT / "fastai.log").write_text(out.getvalue())
    values = scope["values"]  # per epoch: train_loss, valid_loss, accuracy
    return {"epochs": len(values), "train": [values[0][0], values[-1][0]],
            "val": [values[0][1], values[-1][1]]}


def notebook(cells: list[str], name: str) -> dict:
    """Run the cells in a real Jupyter kernel and save the notebook with its outputs; the
    last cell's ``EXPECTED`` is printed as JSON and taken back."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    NotebookClient(nb, timeout=600, kernel_name="python3").execute()
    result = nb.cells[-1].outputs[-1]["text"]
    nb.cells = nb.cells[:-1]  # the bookkeeping cell is not part of the fixture
    nbformat.write(nb, OUT / name)
    return json.loads(result)


def fastai_notebook() -> dict:
    listing = ("print('Archive:  data.zip')\n"
               "for i in range(5000):\n"
               "    print(f'  inflating: data/train/img_{i:05d}.png')")
    expected = ("import json\nprint(json.dumps({'epochs': len(values), "
                "'train': [values[0][0], values[-1][0]], 'val': [values[0][1], values[-1][1]]}))")
    return notebook([listing, FASTAI_CELL, expected], "fastai.ipynb")


def hf_notebook() -> dict:
    folder = tempfile.mkdtemp(prefix="valgap-hf-")
    try:
        expected = ("import json\n"
                    "train = [h['loss'] for h in history if 'loss' in h]\n"
                    "val = [h['eval_loss'] for h in history if 'eval_loss' in h]\n"
                    "print(json.dumps({'epochs': len(val), 'train': [train[0], train[-1]], "
                    "'val': [val[0], val[-1]]}))")
        return notebook([f"OUTPUT_DIR = {folder!r}\n" + HF_CELL, expected], "hf-trainer.ipynb")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _yolo_data(root: Path) -> Path:
    """24 images of one bright rectangle on a dark, noisy background, with its box."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    for split, count in (("train", 16), ("val", 8)):
        (root / "images" / split).mkdir(parents=True)
        (root / "labels" / split).mkdir(parents=True)
        for i in range(count):
            image = rng.integers(0, 60, (64, 64, 3), dtype=np.uint8)
            w, h = rng.integers(12, 32, 2)
            x, y = rng.integers(0, 64 - w), rng.integers(0, 64 - h)
            image[y:y + h, x:x + w] = 230
            Image.fromarray(image).save(root / "images" / split / f"{i}.png")
            (root / "labels" / split / f"{i}.txt").write_text(
                f"0 {(x + w / 2) / 64:.6f} {(y + h / 2) / 64:.6f} {w / 64:.6f} {h / 64:.6f}\n")
    data = root / "data.yaml"
    data.write_text(f"path: {root}\ntrain: images/train\nval: images/val\nnames:\n  0: box\n")
    return data


def yolo() -> dict:
    import logging

    import pandas as pd
    from ultralytics import YOLO

    root = Path(tempfile.mkdtemp(prefix="valgap-yolo-"))
    try:
        data = _yolo_data(root / "data")
        log = io.StringIO()
        handler = logging.StreamHandler(log)
        logging.getLogger("ultralytics").addHandler(handler)
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            YOLO("yolov8n.yaml").train(data=str(data), epochs=4, imgsz=64, batch=8,
                                       device="cpu", workers=0, plots=False, amp=False,
                                       project=str(root / "runs"), name="train", seed=0,
                                       verbose=True)
        logging.getLogger("ultralytics").removeHandler(handler)
        results = next((root / "runs").rglob("results.csv"))
        shutil.copy(results, OUT / "yolo-results.csv")
        (OUT / "yolo-train.log").write_text(log.getvalue())
        table = pd.read_csv(results)
        table.columns = [c.strip() for c in table.columns]
        parts = ("box_loss", "cls_loss", "dfl_loss")
        train = table[[f"train/{p}" for p in parts]].sum(axis=1)
        val = table[[f"val/{p}" for p in parts]].sum(axis=1)
        return {"epochs": len(table), "train": [train.iloc[0], train.iloc[-1]],
                "val": [val.iloc[0], val.iloc[-1]]}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def mmengine() -> dict:
    import torch
    import torch.nn.functional as F
    from mmengine.evaluator import BaseMetric, Evaluator
    from mmengine.model import BaseModel
    from mmengine.runner import Runner
    from torch.utils.data import TensorDataset

    torch.manual_seed(0)
    x = torch.randn(800, 8)
    y = (x[:, 0] + 0.5 * x[:, 1] + 0.8 * torch.randn(800) > 0).long()

    class Net(BaseModel):
        def __init__(self) -> None:
            super().__init__()
            self.body = torch.nn.Sequential(torch.nn.Linear(8, 64), torch.nn.ReLU(),
                                            torch.nn.Linear(64, 2))

        def forward(self, inputs, labels, mode="tensor"):
            logits = self.body(inputs)
            if mode == "loss":
                return {"loss": F.cross_entropy(logits, labels)}
            return [(logits, labels)]

    class ValLoss(BaseMetric):
        def process(self, data_batch, data_samples):
            for logits, labels in data_samples:
                self.results.append((F.cross_entropy(logits, labels, reduction="sum").item(),
                                     len(labels)))

        def compute_metrics(self, results):
            return {"loss": sum(r[0] for r in results) / sum(r[1] for r in results)}

    def collate(batch):
        inputs, labels = zip(*batch)
        return {"inputs": torch.stack(inputs), "labels": torch.stack(labels)}

    def loader(part, shuffle):
        return {"dataset": TensorDataset(*part), "batch_size": 32, "collate_fn": collate,
                "sampler": {"type": "DefaultSampler", "shuffle": shuffle}}

    root = Path(tempfile.mkdtemp(prefix="valgap-mm-"))
    try:
        runner = Runner(model=Net(), work_dir=str(root), train_dataloader=loader(
                            (x[:640], y[:640]), True),
                        val_dataloader=loader((x[640:], y[640:]), False),
                        val_evaluator=Evaluator(ValLoss()),
                        train_cfg={"by_epoch": True, "max_epochs": 6, "val_interval": 1},
                        val_cfg={}, optim_wrapper={"optimizer": {"type": "SGD", "lr": 0.05}},
                        default_hooks={"logger": {"type": "LoggerHook", "interval": 5},
                                       "checkpoint": None},
                        randomness={"seed": 0}, launcher="none")
        runner.train()
        scalars = next(root.rglob("vis_data/scalars.json"))
        shutil.copy(scalars, OUT / "mmengine.json")
        rows = [json.loads(line) for line in scalars.read_text().splitlines()]
        val = [r["loss"] for r in rows if "loss" in r and "lr" not in r]
        return {"epochs": len(val), "val": [val[0], val[-1]]}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    makers = {"fastai.log": fastai_text, "fastai.ipynb": fastai_notebook,
              "hf-trainer.ipynb": hf_notebook, "yolo-results.csv": yolo,
              "mmengine.json": mmengine}
    only = set(sys.argv[1:])
    path = OUT / "expected.json"
    expected = json.loads(path.read_text()) if path.exists() else {}
    for name, make in makers.items():
        if only and name not in only:
            continue
        expected[name] = make()
        print(name, expected[name], flush=True)
    if expected.get("yolo-results.csv"):  # its prints show training losses only
        expected["yolo-train.log"] = {k: v for k, v in expected["yolo-results.csv"].items()
                                      if k != "val"}
    path.write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
