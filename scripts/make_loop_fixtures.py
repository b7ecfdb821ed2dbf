#!/usr/bin/env python3
"""Write real hand-written-loop logs, one per print style seen in public repositories, into
tests/data/loop/styles/, with expected.json (epochs, first and last losses as printed).

The loop is real: softmax regression trained by minibatch SGD (NumPy only) on a noisy
synthetic 3-class problem, the training loss averaged over each epoch's batches and the
validation loss measured at its end. Every style prints the same run, so a reader that
gets one style right and another wrong shows up at once. Run from the repository root:

    python scripts/make_loop_fixtures.py
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "loop" / "styles"
EPOCHS = 12
BATCHES = 8


def train() -> list[dict]:
    """Per epoch: the mean training loss over its batches, the per-batch losses, the
    validation loss at its end, and the validation MAE of the class probabilities."""
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 1.2, (3, 6))
    x = np.concatenate([rng.normal(c, 1.6, (160, 6)) for c in centres])
    y = np.repeat(np.arange(3), 160)
    order = rng.permutation(len(y))
    x, y = x[order], y[order]
    x_tr, y_tr, x_val, y_val = x[:360], y[:360], x[360:], y[360:]
    w = np.zeros((6, 3))

    def loss_of(xs, ys):
        logits = xs @ w
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        return float(-np.log(p[np.arange(len(ys)), ys]).mean()), p

    epochs = []
    for _ in range(EPOCHS):
        batch_losses = []
        for xb, yb in zip(np.array_split(x_tr, BATCHES), np.array_split(y_tr, BATCHES)):
            loss, p = loss_of(xb, yb)
            batch_losses.append(loss)
            p[np.arange(len(yb)), yb] -= 1
            w -= 0.05 * xb.T @ p / len(yb)
        val, p_val = loss_of(x_val, y_val)
        val_batches = [loss_of(xb, yb)[0] for xb, yb in  # equal parts: their mean is val
                       zip(np.array_split(x_val, 4), np.array_split(y_val, 4))]
        mae = float(np.abs(p_val - np.eye(3)[y_val]).mean())
        epochs.append({"train": float(np.mean(batch_losses)), "batches": batch_losses,
                       "val": val, "val_mae": mae, "val_batches": val_batches,
                       "train_mae": float(np.mean(batch_losses)) / 3})
    return epochs


def styles(run: list[dict]) -> dict[str, tuple[str, str, str]]:
    """style -> (text, name of the train value printed, name of the val value printed)."""
    n = len(run)
    out: dict[str, tuple[str, str, str]] = {}

    def each(fmt: str) -> str:
        return "".join(fmt.format(i=i, n=n, **e) + "\n" for i, e in enumerate(run, start=1))

    out["bare-split-words"] = (each("Epoch {i}: train {train:.4f} | valid {val:.4f}"),
                               "train", "val")
    out["dev"] = (each("epoch {i} train {train:.4f} | dev {val:.4f}"), "train", "val")
    out["dash-dash"] = (each("[{i}/{n}] train: {train:.4f} -- valid: {val:.4f}"),
                        "train", "val")
    out["trn"] = (each("ep {i:03d} trn_loss {train:.4f} val_loss {val:.4f}"), "train", "val")
    out["tr-loss"] = (each("epoch: {i}, tr_loss: {train:.4f}, val_loss: {val:.4f}"),
                      "train", "val")
    out["mse"] = (each("Epoch {i}/{n} train_mse={train:.5f} val_mse={val:.5f}"),
                  "train", "val")
    out["bare-val"] = (each("epoch {i} loss {train:.4f} val {val:.4f}"), "train", "val")
    out["avg-loss"] = (each("Epoch {i} | avg_loss: {train:.4f} | val_loss: {val:.4f}"),
                       "train", "val")
    out["test-loss"] = (each("Epoch {i}: Train Loss: {train:.4f}, Test Loss: {val:.4f}"),
                        "train", "val")
    out["mae-block"] = (each("Epoch {i}\n  train MAE: {train_mae:.4f}\n  valid MAE: {val_mae:.4f}"),
                        "train_mae", "val_mae")
    out["jsonl-epochs"] = ("".join(json.dumps({"epoch": i, "train_loss": round(e["train"], 6),
                                               "val_loss": round(e["val"], 6)}) + "\n"
                                   for i, e in enumerate(run, start=1)), "train", "val")
    steps = []
    for i, e in enumerate(run, start=1):
        for b, loss in enumerate(e["batches"], start=1):
            steps.append(json.dumps({"mode": "train", "epoch": i, "iter": b,
                                     "lr": 0.05, "loss": round(loss, 6)}))
        steps.append(json.dumps({"mode": "val", "epoch": i, "loss": round(e["val"], 6)}))
    out["jsonl-steps"] = ("\n".join(steps) + "\n", "train", "val")
    banners = []
    for i, e in enumerate(run, start=1):
        banners.append(f"===== EPOCH {i}/{n} =====")
        banners += [f"  batch {b}/{BATCHES}  loss: {loss:.4f}"
                    for b, loss in enumerate(e["batches"], start=1)]
        banners.append(f"  validation loss: {e['val']:.4f}")
    out["banner-batches"] = ("\n".join(banners) + "\n", "train", "val")
    glued = "".join(f"{BATCHES * 3}it [00:01, 21.37it/s]Epoch: {i} train_loss: {e['train']:.4f}"
                    f" val_loss: {e['val']:.4f}\n" for i, e in enumerate(run, start=1))
    out["tqdm-glued"] = (glued, "train", "val")
    fastai = "epoch     train_loss  valid_loss  accuracy  time    \n" + "".join(
        f"{i:<10}{e['train']:<12.6f}{e['val']:<12.6f}{0.5 + i / 40:<10.6f}00:01     \n"
        for i, e in enumerate(run))
    out["fastai-text"] = (fastai, "train", "val")
    out["metriclogger"] = (_metric_logger(run), "train", "val")
    out["averagemeter"] = (_average_meter(run), "train", "val")
    mnist = []
    for i, e in enumerate(run, start=1):  # pytorch/examples mnist: every batch logged here
        mnist += [f"Train Epoch: {i} [{b * 45}/360 ({100 * b / BATCHES:.0f}%)]\tLoss: {loss:.6f}"
                  for b, loss in enumerate(e["batches"])]
        mnist += ["", f"Test set: Average loss: {e['val']:.4f}, Accuracy: 60/120 (50%)", ""]
    out["pytorch-mnist-example"] = ("\n".join(mnist) + "\n", "train", "val")
    ignite = []
    for i, e in enumerate(run, start=1):  # Ignite's quickstart handlers
        ignite += [f"Epoch[{i}] Iteration[{(i - 1) * BATCHES + b}/{BATCHES * n}] Loss: {loss:.2f}"
                   for b, loss in enumerate(e["batches"], start=1)]
        ignite.append(f"Training Results - Epoch: {i}  Avg accuracy: 0.50 Avg loss: "
                      f"{e['train']:.2f}")
        ignite.append(f"Validation Results - Epoch: {i}  Avg accuracy: 0.50 Avg loss: "
                      f"{e['val']:.2f}")
    out["ignite"] = ("\n".join(ignite) + "\n", "train", "val")
    out["tutorial-val-dot"] = (each(  # bentrevett's pytorch-sentiment-analysis tutorials
        "Epoch: {i:02} | Epoch Time: 0m 1s\n\tTrain Loss: {train:.3f} | Train Acc: 50.00%\n"
        "\t Val. Loss: {val:.3f} |  Val. Acc: 50.00%"), "train", "val")
    out["transfer-learning-tutorial"] = (each(  # PyTorch's transfer learning tutorial
        "Epoch {i}/{n}\n----------\ntrain Loss: {train:.4f} Acc: 0.5000\n"
        "val Loss: {val:.4f} Acc: 0.5000\n"), "train", "val")
    out["tabnet"] = (each(  # pytorch-tabnet: an eval set's index in its metric names
        "epoch {i:<3}| loss: {train:.5f} | val_0_logloss: {val:.5f} | val_0_auc: 0.70000 "
        "|  0:00:01s") + "Early stopping occurred at epoch 11 with best_epoch = 11 and "
        "best_val_0_logloss = 0.5\n", "train", "val")
    out["python-dicts"] = (each(  # a loop printing its metrics dict
        "epoch {i}: {{'train_loss': {train:.4f}, 'eval_loss': {val:.4f}, 'eval_accuracy': 0.5}}"),
        "train", "val")
    timm = []
    for i, e in enumerate(run):  # timm's train.py: epochs from 0, running means in brackets
        for b, loss in enumerate(e["batches"]):
            mean = float(np.mean(e["batches"][:b + 1]))
            timm.append(f"Train: {i} [{b:>4}/{BATCHES} ({100 * b / BATCHES:>3.0f}%)]  "
                        f"Loss: {loss:#.4g} ({mean:#.4g})  Time: 0.204s,  627.45/s  "
                        "LR: 1.000e-03  Data: 0.000 (0.008)")
        for k, loss in enumerate(e["val_batches"]):
            mean = float(np.mean(e["val_batches"][:k + 1]))
            timm.append(f"Test: [{k:>4}/3]  Time: 0.071 (0.110)  Loss:  {loss:.4f} "
                        f"({mean:.4f})  Acc@1: 50.0000 (50.0000)  Acc@5: 100.0000 (100.0000)")
    timm.append(f"*** Best metric: 50.0 (epoch {len(run) - 1})")
    out["timm"] = ("\n".join(timm) + "\n", "train", "val")
    last = run[-1]
    card = ("It achieves the following results on the evaluation set:\n"
            f"- Loss: {last['val']:.4f}\n- Accuracy: 0.91\n\n### Training results\n\n"
            "| Training Loss | Epoch | Step | Validation Loss | Accuracy |\n"
            "|:-------------:|:-----:|:----:|:---------------:|:--------:|\n" + "".join(
                f"| {'No log' if i == 1 else format(e['train'], '.4f')} | {i}.0 | {i * 45} | "
                f"{e['val']:.4f} | 0.9 |\n" for i, e in enumerate(run, start=1)) +
            "\n\n### Framework versions\n\n- Transformers 4.40.0\n")
    out["model-card"] = (card, "train", "val")
    keras_eval = "".join(
        f"Epoch {i}/{n}\n{BATCHES}/{BATCHES} [==============================] - 0s 2ms/step "
        f"- loss: {e['train']:.4f} - val_loss: {e['val']:.4f}\n"
        for i, e in enumerate(run, start=1)) + (
        f"4/4 [==============================] - 0s 1ms/step - loss: {last['val'] * 1.3:.4f}\n")
    out["keras-evaluate-after-fit"] = (keras_eval, "train", "val")
    out["trainoutput-summaries"] = (
        each("{{'loss': {train:.4f}, 'epoch': {i}.0}}\n{{'eval_loss': {val:.4f}, 'epoch': {i}.0}}")
        + "TrainOutput(global_step=96, training_loss=0.61, metrics={'train_runtime': 3.1})\n"
        + "TrainOutput(global_step=96, training_loss=0.58, metrics={'train_runtime': 3.0})\n",
        "train", "val")
    out["single-epoch"] = (f"Epoch 1: train_loss={run[0]['train']:.4f} "
                           f"val_loss={run[0]['val']:.4f}\n", "train", "val")
    # the curves printed as lists when the loop ends: print("Train losses:", train_losses)
    out["named-lists"] = ("Training finished.\n"
                          f"Train losses: {[float(e['train']) for e in run]}\n"
                          f"Val losses: {[float(e['val']) for e in run]}\n", "train", "val")
    # the same as NumPy arrays: print("train_loss =", np.array(losses)), wrapped over lines
    out["named-arrays"] = (f"train_loss = {np.array([e['train'] for e in run])}\n"
                           f"val_loss = {np.array([e['val'] for e in run])}\n", "train", "val")
    return out


def _metric_logger(run: list[dict]) -> str:
    """As DeiT, MAE, DINO and LAVIS print through torchvision's MetricLogger: per batch
    "loss: value (running mean)", "Averaged stats" at the epoch's end, then the evaluation's
    progress and its "* Acc@1 ... loss ..." summary (3 decimals)."""
    lines = []
    for i, e in enumerate(run):
        for b, loss in enumerate(e["batches"]):
            mean = float(np.mean(e["batches"][:b + 1]))
            lines.append(f"Epoch: [{i}]  [{b}/{BATCHES}]  eta: 0:00:01  lr: 0.050000  "
                         f"loss: {loss:.4f} ({mean:.4f})  time: 0.0123  data: 0.0010  "
                         "max mem: 150")
        lines.append(f"Epoch: [{i}] Total time: 0:00:01 (0.0125 s / it)")
        lines.append(f"Averaged stats: lr: 0.050000  loss: {np.median(e['batches']):.4f} "
                     f"({e['train']:.4f})")
        for k, loss in enumerate(e["val_batches"]):
            mean = float(np.mean(e["val_batches"][:k + 1]))
            lines.append(f"Test:  [{k}/4]  eta: 0:00:00  loss: {loss:.4f} ({mean:.4f})  "
                         "acc1: 50.0000 (50.0000)  time: 0.0100  data: 0.0010  max mem: 150")
        lines.append("Test: Total time: 0:00:00 (0.0101 s / it)")
        lines.append(f"* Acc@1 50.000 Acc@5 100.000 loss {e['val']:.3f}")
        lines.append("Accuracy of the network on the 120 test images: 50.0%")
    return "\n".join(lines) + "\n"


def _average_meter(run: list[dict]) -> str:
    """As the PyTorch ImageNet example prints through its AverageMeter: per batch
    "Loss value (running mean)"; the validation loss only in the evaluation's progress."""
    lines = []
    for i, e in enumerate(run):
        for b, loss in enumerate(e["batches"], start=1):
            mean = float(np.mean(e["batches"][:b]))
            lines.append(f"Epoch: [{i}][{b:>2}/{BATCHES}]\tTime  0.012 ( 0.013)\t"
                         f"Data  0.001 ( 0.001)\tLoss {loss:.4e} ({mean:.4e})\t"
                         "Acc@1  50.00 ( 48.20)\tAcc@5 100.00 (100.00)")
        for k, loss in enumerate(e["val_batches"], start=1):
            mean = float(np.mean(e["val_batches"][:k]))
            lines.append(f"Test: [{k}/4]\tTime  0.010 ( 0.010)\tLoss {loss:.4e} ({mean:.4e})"
                         "\tAcc@1  50.00 ( 50.00)\tAcc@5 100.00 (100.00)")
        lines.append(" * Acc@1 50.000 Acc@5 100.000")
    return "\n".join(lines) + "\n"


# decimals each style prints (4 unless said here, 6 for JSON and fastai)
DECIMALS = {"mse": 5, "tabnet": 5, "metriclogger": 3, "averagemeter": 3, "timm": 3,
            "tutorial-val-dot": 3, "ignite": 2, "named-lists": 12, "named-arrays": 7}


def expected(run: list[dict], style: str, train_key: str, val_key: str) -> dict:
    decimals = DECIMALS.get(style, 6 if style.startswith(("jsonl", "fastai")) else 4)
    used = run[:1] if style == "single-epoch" else run
    first, last = used[0], used[-1]
    train_first = first[train_key]
    if style == "model-card":
        train_first = None  # "No log": the first epoch has no training loss
    return {"epochs": len(used), "decimals": decimals,
            "train_first": train_first, "train_last": last[train_key],
            "val_first": first[val_key], "val_last": last[val_key]}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    run = train()
    table = {}
    for style, (text, train_key, val_key) in styles(run).items():
        (OUT / f"{style}.log").write_text(text)
        table[style] = expected(run, style, train_key, val_key)
    (OUT / "expected.json").write_text(json.dumps(table, indent=1) + "\n")
    print(f"wrote {len(table)} styles to {OUT}")


if __name__ == "__main__":
    main()
