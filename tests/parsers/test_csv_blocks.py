"""A long one-run CSV is averaged into blocks part by part: the same table and facts as
reading it whole and averaging it (``_table.downsample``), without the full table."""
from __future__ import annotations

import math

import numpy as np
import pytest

from valgap.parsers import _table, csv_log, read


def _write(path, rows: int, header: str, cell) -> None:
    with open(path, "w") as out:
        out.write(header + "\n")
        for i in range(rows):
            out.write(cell(i) + "\n")


def _both(path, monkeypatch):
    fast = read(str(path))
    monkeypatch.setattr(csv_log._Collected, "one_long_run", lambda self: False)
    whole = [_table.downsample(run) for run in read(str(path))]
    return fast, whole


def _same(fast, whole):
    assert len(fast) == len(whole) == 1
    a, b = fast[0], whole[0]
    assert list(a.table.columns) == list(b.table.columns)
    assert list(a.table.index) == list(b.table.index)
    assert np.allclose(a.table.to_numpy(), b.table.to_numpy(), equal_nan=True, rtol=1e-12)
    for field in ("reduced_from", "reduction", "columns", "rows_read", "framework", "format"):
        assert getattr(a.info, field) == getattr(b.info, field), field
    assert list(a.info.epoch_lines) == list(b.info.epoch_lines)
    assert sorted(a.info.notes) == sorted(b.info.notes)
    assert a.info.warnings == b.info.warnings


@pytest.mark.parametrize("rows", [2001, 10_007, 250_000])
def test_a_keras_csv_of_many_epochs(tmp_path, monkeypatch, rows):
    path = tmp_path / "history.csv"
    _write(path, rows, "epoch,accuracy,loss,val_accuracy,val_loss",
           lambda i: f"{i},{0.5 + 0.4 * i / rows},{1 + math.exp(-i / 500)},{0.6},"
                     f"{0.9 + math.sin(i)}")
    fast, whole = _both(path, monkeypatch)
    _same(fast, whole)
    assert fast[0].info.reduced_from == rows and len(fast[0].table) <= _table.MAX_POINTS


def test_missing_cells_infinities_and_a_trailing_evaluation(tmp_path, monkeypatch):
    path = tmp_path / "metrics.csv"

    def cell(i):
        loss = "inf" if i == 7000 else f"{1 / (i + 1)}"
        val = "nan" if i == 3000 else ("" if i % 3 else f"{2 / (i + 1)}")
        return f"{i + 1},{loss},{val}"
    _write(path, 9000, "epoch,train_loss,val_loss", cell)
    with open(path, "a") as out:
        out.write("9001,,0.5\n")  # a validate() call after training
    fast, whole = _both(path, monkeypatch)
    _same(fast, whole)
    assert any("left out" in n for n in fast[0].info.notes)
    assert math.isinf(fast[0].table["train_loss"].max())


def test_missing_training_cells_keep_a_last_evaluation_row(tmp_path, monkeypatch):
    path = tmp_path / "metrics.csv"
    _write(path, 5000, "epoch,train_loss,val_loss",
           lambda i: f"{i + 1},{'' if i % 7 == 0 else 1 / (i + 1)},{'' if i % 3 else 0.4}")
    with open(path, "a") as out:
        out.write("5001,,0.5\n")
    fast, whole = _both(path, monkeypatch)
    _same(fast, whole)


def test_a_log_of_several_runs_is_read_whole(tmp_path, monkeypatch):
    path = tmp_path / "history.csv"
    _write(path, 6000, "epoch,loss,val_loss", lambda i: f"{i % 3000},{1 / (i + 1)},0.3")
    runs = read(str(path))
    assert len(runs) == 2 and runs[0].info.reduced_from is None  # the engine averages each


@pytest.mark.parametrize("chunk_rows", [333, 4096])
def test_blocks_summed_chunk_by_chunk_are_the_whole_tables(tmp_path, monkeypatch, chunk_rows):
    # chunks far smaller than the run: the blocks double many times as the parts come
    from valgap.parsers import _csv_chunks

    monkeypatch.setattr(_csv_chunks, "CHUNK_ROWS", chunk_rows)
    path = tmp_path / "history.csv"
    rows = 37_003
    _write(path, rows, "epoch,loss,val_loss",
           lambda i: f"{i},{1 + math.exp(-i / 900)},{'' if i % 5 == 0 else 0.9 + math.sin(i)}")
    fast, whole = _both(path, monkeypatch)
    _same(fast, whole)
    assert fast[0].info.reduction.startswith(f"{rows} epochs averaged in blocks of 32 into")
    lines = fast[0].info.epoch_lines
    assert len(lines) == rows and lines[0] == 2 and lines[-1] == rows + 1


def test_a_second_run_after_the_first_was_summed_reads_the_file_again_whole(
        tmp_path, monkeypatch):
    from valgap.parsers import _csv_chunks

    path = tmp_path / "history.csv"
    # 5,000 epochs, then the numbering starts over: a second run of 3,000
    _write(path, 8000, "epoch,loss,val_loss",
           lambda i: f"{i if i < 5000 else i - 5000},{1 / (i % 5000 + 1)},0.3")
    whole = read(str(path))  # one chunk: two runs seen at once
    monkeypatch.setattr(_csv_chunks, "CHUNK_ROWS", 1000)
    chunked = read(str(path))  # the first run summed into blocks before the second began
    assert [r.info.reduced_from for r in chunked] == [r.info.reduced_from for r in whole] \
        == [None, None]
    for a, b in zip(chunked, whole):
        assert a.table.equals(b.table) and list(a.info.epoch_lines) == list(b.info.epoch_lines)
