"""YOLOv5 / YOLOv7 ``results.txt``: one line per epoch, no header.

    epoch/total  gpu_mem  box  obj  cls  total  labels  img_size  P  R  mAP@.5  mAP@.5:.95
    val_box  val_obj  val_cls

The training loss is the sum of the three parts (the ``total`` column), the validation loss
the sum of the three ``val_`` parts, as for Ultralytics' ``results.csv``; precision,
recall and the mAPs are kept as validation metrics. Epochs are numbered from 0.
"""
from __future__ import annotations

import re

from valgap.model import InputError, Run, RunInfo
from valgap.parsers import _table, _ultralytics
from valgap.parsers._table import EpochRecord
from valgap.parsers._text import NUMBER, LazyPattern, Source, to_float

NAME = "yolo-results-txt"

_NUM = rf"({NUMBER})(?![\d.])"
LINE = LazyPattern(r"^[ \t]*(\d{1,6})/(\d{1,6})[ \t]+[\d.]+[GMK]?" + rf"[ \t]+{_NUM}" * 13
                  + r"[ \t]*$", re.IGNORECASE)
COLUMNS = ("train_box_loss", "train_obj_loss", "train_cls_loss", "total", "labels", "img_size",
           "val_precision", "val_recall", "val_map50", "val_map50_95",
           "val_box_loss", "val_obj_loss", "val_cls_loss")


def sniff(head: str) -> float:
    lines = [line for line in head.splitlines()[:50] if line.strip()]
    digit_led = sum(1 for line in lines if line.lstrip()[:1].isdigit() and "," not in line)
    if digit_led < 2 or digit_led < 0.8 * len(lines):  # (cheap before the long pattern)
        return 0.0
    hits = sum(1 for line in lines if LINE.match(line))
    return 0.9 if hits >= 2 and hits >= 0.8 * len(lines) else 0.0


def parse(source: Source) -> list[Run]:
    records = []
    for line_no, line in source.numbered():
        m = LINE.match(line)
        if not m:
            continue
        values = dict(zip(COLUMNS, (to_float(v) for v in m.groups()[2:])))
        parts = [values.pop(k) for k in ("train_box_loss", "train_obj_loss", "train_cls_loss")]
        val_parts = [values.pop(k) for k in ("val_box_loss", "val_obj_loss", "val_cls_loss")]
        values.pop("total"), values.pop("labels"), values.pop("img_size")
        values["train_loss"], values["val_loss"] = sum(parts), sum(val_parts)
        records.append(EpochRecord(int(m.group(1)), values, line_no))
    if not records:
        raise InputError("no results.txt epoch line found", source.name, code="no-epochs")
    info = RunInfo(source=source.name, format=NAME, framework="pytorch")
    _ultralytics.state_trainer_defaults(info)
    info.notes.append("YOLOv5/v7 results.txt: the losses are the sums of the box, objectness "
                      "and class parts (training and validation)")
    columns = {k: k for k in records[0].values}
    return _table.build_runs(records, info, columns)
