"""What Ultralytics YOLO (v5, v8, 11) prints while it trains, in a terminal or a notebook:

          Epoch    GPU_mem   box_loss   cls_loss   dfl_loss  Instances       Size
           1/30       2.9G      1.515      2.499      1.622          3        512: 100% ...
                     Class     Images  Instances      Box(P          R      mAP50  mAP50-95): ...
                       all        548        748       0.21      0.334      0.129     0.0439

Each epoch line gives the training loss's parts (box, cls, dfl; YOLOv5's box, obj, cls),
summed into the training loss as for ``results.csv``; the ``all`` row under it gives the
validation metrics (precision, recall, mAPs). YOLO prints **no validation loss** while it
trains: the run is read, its fit is not judged, and the notes point to the run folder's
``results.csv``, which has it. Epochs are numbered from 1 (YOLOv5 prints them from 0).
"""
from __future__ import annotations

import re

from valgap.model import InputError, Run, RunInfo
from valgap.parsers import _table, _ultralytics
from valgap.parsers._table import EpochRecord
from valgap.parsers._text import LazyPattern, Source, clean, to_float

NAME = "yolo-stdout"

HEADER = LazyPattern(r"^\s{0,40}Epoch\s{1,20}(?:GPU_mem|gpu_mem)\s{1,20}"
                    r"(?P<names>(?:\w{1,20}\s{1,20}){2,6})(?:Instances|labels|targets)\s{1,20}(?:Size|img_size)\s{0,20}$")
_NUM = r"(?:-?\d{1,12}(?:\.\d{1,12})?(?:e[-+]?\d{1,3})?|nan|inf)"
EPOCH = LazyPattern(r"^\s{0,40}(\d{1,6})/(\d{1,6})\s{1,20}(?:[\d.]{1,12}[GMK]?|0)\s{1,20}"
                   rf"(?P<values>(?:{_NUM}\s{{1,20}}){{2,6}})\d{{1,9}}\s{{1,20}}\d{{1,6}}\s{{0,4}}:",
                   re.IGNORECASE)
METRICS = LazyPattern(r"^\s{0,40}all\s{1,20}\d{1,9}\s{1,20}\d{1,12}" + rf"\s{{1,20}}({_NUM})" * 4
                     + r"\s{0,20}$", re.IGNORECASE)
METRIC_NAMES = ("val_precision", "val_recall", "val_map50", "val_map50_95")
# YOLOv5's older header names the parts without "_loss"
PART_NAMES = {"box": "box_loss", "obj": "obj_loss", "cls": "cls_loss", "dfl": "dfl_loss"}


def sniff(head: str) -> float:
    if "GPU_mem" not in head and "gpu_mem" not in head:  # (cheap before any pattern)
        return 0.0
    lines = [clean(line) for line in head.splitlines()[:2000]]
    if not any(HEADER.match(line) for line in lines):
        return 0.0
    return 0.95 if any(EPOCH.match(line) for line in lines) else 0.0


def parse(source: Source) -> list[Run]:
    names: list[str] = []
    records: list[EpochRecord] = []
    info = RunInfo(source=source.name, format=NAME, framework="pytorch")
    for line_no, raw in source.numbered():
        line = clean(raw)
        if not records and _table.states_a_fact(line):  # the trainer's arguments: dropout=
            _table.scan_facts(line, info, in_summary=False)
        header = HEADER.match(line)
        if header:
            names = [_part(n) for n in header.group("names").split()]
            continue
        found = EPOCH.match(line) if names else None
        if found:
            values = [to_float(v) for v in found.group("values").split()]
            if len(values) == len(names):
                epoch = int(found.group(1))
                records.append(EpochRecord(epoch, {f"train_{n}": v for n, v in
                                                   zip(names, values)}, line_no))
            continue
        metrics = METRICS.match(line)
        if metrics and records and not any(k.startswith("val_") for k in records[-1].values):
            records[-1].values.update(zip(METRIC_NAMES, (to_float(v) for v in metrics.groups())))
    if not records:
        raise InputError("no YOLO epoch line under its Epoch/GPU_mem header", source.name,
                         code="no-epochs")
    if records[0].epoch == 0:  # YOLOv5 counts from 0
        for record in records:
            record.epoch += 1
    info.absent = ("YOLO prints no validation loss while it trains, only validation metrics; "
                   "the run folder's results.csv has it (val/box_loss and its other parts): "
                   "analyse that file instead")
    _ultralytics.state_trainer_defaults(info)  # what its arguments did not say
    columns = {k: k for record in records[:5] for k in record.values}
    return _table.build_runs(records, info, columns)


def _part(name: str) -> str:
    return PART_NAMES.get(name.lower(), name.lower())

