"""`valgap watch` on a real log written epoch by epoch while it is being followed."""
from __future__ import annotations

import io
import json
import os
import re
import threading
import time

from tests.conftest import SAMPLES
from valgap.watch import WatchJob, WatchStats, watch


def epochs_of(log: bytes) -> list[bytes]:
    """The log cut after each epoch's final line (where Keras writes its newline)."""
    head, *rest = re.split(rb"(?=\nEpoch \d+/\d+\n)", log)
    return [head, *rest]


def write_slowly(path, pieces, pause=0.03, truncate_after=None, then=None):
    def run():
        with open(path, "wb") as out:
            for i, piece in enumerate(pieces):
                out.write(piece)
                out.flush()
                time.sleep(pause)
                if truncate_after is not None and i == truncate_after:
                    out.truncate(0)
                    out.seek(0)
                    time.sleep(pause * 4)
                    for other in then:
                        out.write(other)
                        out.flush()
                        time.sleep(pause)
                    return
    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_follows_epoch_by_epoch_and_reads_incrementally(tmp_path):
    log = (SAMPLES / "dropout.log").read_bytes()
    path = tmp_path / "run.log"
    path.write_bytes(b"")
    writer = write_slowly(path, epochs_of(log))
    out, stats = io.StringIO(), WatchStats()
    code = watch(WatchJob(str(path), interval=0.01, idle=0.6, plot=False, color="never"),
                 out, io.StringIO(), stats)
    writer.join()
    text = out.getvalue()
    numbers = [int(n) for n in re.findall(r"^epoch (\d+) ", text, re.M)]
    assert numbers == list(range(1, 31))  # one line per epoch, none twice, none missing
    assert stats.redraws > 5  # updated while the file grew, not only at the end
    assert "final: " in text and "Verdict: Validation loss stays below training" in text
    final = text.split("final: ")[1]
    assert "dropout" in final[final.index("Verdict:"):].split("\n\n")[0]
    assert stats.bytes_read == os.path.getsize(path)  # every byte read exactly once
    assert code == 0


def test_truncated_file_is_read_again_from_the_start(tmp_path):
    path = tmp_path / "run.log"
    path.write_bytes(b"")
    first = epochs_of((SAMPLES / "overfit.log").read_bytes())
    second = epochs_of((SAMPLES / "healthy.log").read_bytes())
    writer = write_slowly(path, first[:8], truncate_after=7, then=second)
    out, stats = io.StringIO(), WatchStats()
    watch(WatchJob(str(path), interval=0.01, idle=0.6, plot=False, color="never"),
          out, io.StringIO(), stats)
    writer.join()
    text = out.getvalue()
    assert stats.resets >= 1 and "reading it from the start" in text
    assert re.search(r"·\s+15\s+epochs", text.split("final: ")[1])


def test_watch_stdin_and_fail_on(cli):
    log = (SAMPLES / "overfit.log").read_bytes()
    res = cli("watch", "-", "--no-plot", "--fail-on", "overfit", input=log)
    assert res.exit_code == 1
    assert "final: " in res.stdout and "overfits" in res.stdout
    assert len(re.findall(r"^epoch \d+ ", res.stdout, re.M)) == 60


def test_watch_unreadable_ends_with_one_line(cli, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    res = cli("watch", str(path), "--idle", "0.1", "--interval", "0.05")
    assert res.exit_code == 2 and len(res.stderr.strip().splitlines()) == 1


def test_rotated_file_is_followed_to_the_new_one(tmp_path):
    path = tmp_path / "run.log"
    first = epochs_of((SAMPLES / "overfit.log").read_bytes())
    second = epochs_of((SAMPLES / "healthy.log").read_bytes())
    path.write_bytes(b"".join(first[:6]))

    def rotate():
        time.sleep(0.3)
        os.rename(path, tmp_path / "run.log.1")  # logrotate: move away, start a new file
        with open(path, "wb") as out:
            for piece in second:
                out.write(piece)
                out.flush()
                time.sleep(0.02)
    thread = threading.Thread(target=rotate)
    thread.start()
    out, stats = io.StringIO(), WatchStats()
    watch(WatchJob(str(path), interval=0.01, idle=0.8, plot=False, color="never"),
          out, io.StringIO(), stats)
    thread.join()
    assert stats.resets == 1
    assert re.search(r"·\s+15\s+epochs", out.getvalue().split("final: ")[1])


def test_a_trainer_state_rewritten_whole_is_read_again_at_each_save(tmp_path, cli):
    """The Trainer rewrites trainer_state.json whole at each checkpoint: watch reads it
    again when it changes and ends with what analyze says of the last save."""
    from tests.conftest import DATA

    state = json.loads((DATA / "hf" / "trainer_state.json").read_text())
    history = state["log_history"]
    path = tmp_path / "trainer_state.json"

    def save(upto):  # the Trainer writes a new file and moves it over the old one
        part = tmp_path / "tmp.json"
        part.write_text(json.dumps({**state, "log_history": history[:upto]}))
        os.replace(part, path)

    save(len(history) // 2)

    def train():
        time.sleep(0.3)
        save(len(history))

    thread = threading.Thread(target=train)
    thread.start()
    out, stats = io.StringIO(), WatchStats()
    code = watch(WatchJob(str(path), interval=0.02, idle=0.8, plot=False, color="never",
                          fmt="json"), out, io.StringIO(), stats)
    thread.join()
    assert code == 0 and stats.resets >= 1
    watched = json.loads(out.getvalue())
    analysed = json.loads(cli("analyze", str(path), "--format", "json").stdout)
    assert watched == analysed and watched["epochs"] > 2


def test_a_json_lines_log_is_read_record_by_record(tmp_path, cli):
    """JSON Lines is followed as it is written, each record read once (not the whole text
    again at each poll): one line per epoch as its record arrives, and the watch ends
    with what analyze says of the whole log, for one record per epoch and for MMEngine's
    records per iteration merged into epochs."""
    from tests.conftest import DATA

    for source in (DATA / "fourthway" / "healthy-s2" / "metrics.jsonl",
                   DATA / "libs" / "mmengine.json"):
        records = source.read_bytes().splitlines(keepends=True)
        path = tmp_path / source.name
        path.write_bytes(b"")
        writer = write_slowly(path, records, pause=0.02)
        out, stats = io.StringIO(), WatchStats()
        code = watch(WatchJob(str(path), interval=0.01, idle=0.6, plot=False,
                              color="never"), out, io.StringIO(), stats)
        writer.join()
        analysed = json.loads(cli("analyze", str(path), "--format", "json").stdout)
        numbers = [int(n) for n in re.findall(r"^epoch (\d+) ", out.getvalue(), re.M)]
        assert code == 0 and numbers == list(range(1, analysed["epochs"] + 1))
        assert stats.redraws > 3 and stats.bytes_read == path.stat().st_size
        json_out = io.StringIO()
        watch(WatchJob(str(path), idle=0.1, plot=False, fmt="json"), json_out, io.StringIO())
        assert json.loads(json_out.getvalue()) == analysed


def test_a_pickled_history_is_read_from_a_pipe_and_sent_to_analyze_as_a_file(cli):
    from tests.conftest import DATA

    path = DATA / "histories" / "history.pkl"
    piped = cli("watch", "-", "--format", "json", input=path.read_bytes())
    assert piped.exit_code == 0 and json.loads(piped.stdout)["epochs"] == 12
    followed = cli("watch", str(path))  # saved whole at the end: nothing to follow
    assert followed.exit_code == 2 and "valgap analyze reads it" in followed.stderr


def test_a_piped_checkpoint_is_read_as_analyze_reads_it(cli):
    # a torch.save archive is known by its first entry's name, past its first 8 bytes
    from tests.conftest import DATA

    data = (DATA / "checkpoints" / "checkpoint.pth").read_bytes()
    piped = cli("watch", "-", "--format", "json", input=data)
    analysed = cli("analyze", "-", "--format", "json", input=data)
    assert piped.exit_code == analysed.exit_code == 0
    assert json.loads(piped.stdout) == json.loads(analysed.stdout)
