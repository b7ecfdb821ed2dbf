#!/usr/bin/env python3
"""Mutation fuzzer for valgap's whole path: bytes -> detection -> reader -> fit -> rules ->
every renderer. Run it for as long as you like (an hour is a good soak):

    python scripts/fuzz.py --seconds 3600 --workers 2 --out /tmp/valgap-fuzz

Seeds are the bundled sample logs and test fixtures (and ../shared/corpus when it is there).
Each execution mutates a seed (byte flips, hostile tokens: huge numbers, inf/nan, NUL,
escape sequences, long runs of spaces or digits; line duplication, splicing, truncation,
compression), reads it detected and as a forced format, and renders the results in every
format. A finding is an exception other than InputError, a rule status "error", an
execution slower than --slow seconds, a warning (it would reach stderr), or a raw control
character / workflow command in an output. Each distinct finding (by exception type and
innermost valgap frame) is saved once under OUT/findings/. The last line printed is the
summary: executions, executions per second, findings.
"""
from __future__ import annotations

import argparse
import bz2
import gzip
import io
import multiprocessing as mp
import random
import signal
import sys
import time
import traceback
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_DIRS = [ROOT / "sample_logs", ROOT / "tests" / "data", ROOT.parent / "shared" / "corpus"]
MAX_SEED = 256 * 1024
TOKENS = [b"nan", b"inf", b"-inf", b"Infinity", b"NaN", b"1e308", b"1e-320", b"-0", b"0",
          b"9" * 5000, b" " * 5000, b"\x00", b"\x1b]0;x\x07", b"\x1b[31m", b"\xc2\x9b",
          b"\n::error::x", b"##[error]", b"\r", b"\x08" * 20, b"epoch", b"Epoch 1/3",
          b"loss: ", b"val_loss=", b"|", b",", b"{", b"[", b"'loss': ", b"\"eval_loss\": ",
          b"1/1 [==============================] - 0s - loss: 0.5 - val_loss: 0.4\n",
          b"\xff\xfe", b"\xef\xbb\xbf", b"<img src=x>", b"`", b"e" * 3000, b"%|"]
FORMATS = [None, None, None, "keras-stdout", "csv", "hf-trainer-state", "hf-trainer-stdout",
           "loop-text", "notebook", "lightning-progress", "ray-tune", "jsonl"]
RAW = ("\x1b]", "\x07", "\u009b", "\u009d")


def seeds() -> list[bytes]:
    out = []
    for folder in SEED_DIRS:
        if not folder.exists():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.stat().st_size <= MAX_SEED and "tfevents" not in path.name:
                out.append(path.read_bytes())
    return out


def mutate(data: bytes, rng: random.Random, pool: list[bytes]) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        choice = rng.random()
        at = rng.randint(0, len(buf)) if buf else 0
        if choice < 0.3:
            buf[at:at] = rng.choice(TOKENS)
        elif choice < 0.45 and buf:
            buf[min(at, len(buf) - 1)] = rng.randrange(256)
        elif choice < 0.6:
            lines = bytes(buf).split(b"\n")
            i = rng.randrange(len(lines))
            lines[i:i] = [lines[i]] * rng.randint(1, 50)
            buf = bytearray(b"\n".join(lines))
        elif choice < 0.7:
            other = rng.choice(pool)
            start = rng.randint(0, len(other))
            buf[at:at] = other[start:start + rng.randint(1, 4000)]
        elif choice < 0.8:
            del buf[at:at + rng.randint(1, 2000)]
        elif choice < 0.9:  # replace a number by a hostile one
            text = bytes(buf)
            digits = [i for i in range(len(text)) if 48 <= text[i] <= 57][:5000]
            if digits:
                i = rng.choice(digits)
                buf[i:i + 1] = rng.choice(TOKENS[:9])
        else:
            buf = buf[: rng.randint(0, len(buf))]
    data = bytes(buf)
    roll = rng.random()
    if roll < 0.03:
        data = gzip.compress(data)
    elif roll < 0.05:
        data = bz2.compress(data)
    elif roll < 0.06 and len(data) > 40:
        data = gzip.compress(data)[: len(data) // 2]  # a damaged archive
    return data


class Slow(Exception):
    pass


def _alarm(signum, frame):
    raise Slow()


def execute(data: bytes, fmt: str | None, slow: float) -> str | None:
    """None when valgap behaved; else a one-line description of the finding."""
    from valgap.parsers import Options

    return _checked("fuzz.log", Options(input_format=fmt), slow, data)


def execute_path(path: str, options, slow: float) -> str | None:
    """``execute`` for an input on disk (a file, or a folder such as a tracker's store)."""
    return _checked(path, options, slow, None)


def _checked(name: str, options, slow: float, data: bytes | None) -> str | None:
    from valgap import engine
    from valgap.config import Config
    from valgap.model import InputError
    from valgap.render import RenderOptions, render

    signal.setitimer(signal.ITIMER_REAL, slow)
    try:
        results = engine.analyze_input(name, Config(), options, all_runs=True, data=data)
        errors = [(r.rule, r.reason) for res in results for r in res.rules
                  if r.status == "error"]
        if errors:
            return f"rule error: {errors[0]}"
        for out_fmt in ("text", "json", "markdown", "github", "sarif"):
            stream = io.StringIO()
            render(out_fmt, results, stream, RenderOptions(color=out_fmt == "text", plot=True))
            text = stream.getvalue()
            if any(c in text for c in RAW) or "##[" in text or any(
                    line.lstrip().startswith("::") for line in text.splitlines()
                    if out_fmt != "github"):
                return f"raw control or command in {out_fmt} output"
    except InputError:
        return None
    except Slow:
        return f"slower than {slow} s"
    except Exception as exc:  # the finding itself: any other exception
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if "valgap" in f.filename]
        where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
        return f"{type(exc).__name__} at {where}: {str(exc)[:120]}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return None


def worker(index: int, seconds: float, slow: float, out: Path, queue) -> None:
    signal.signal(signal.SIGALRM, _alarm)
    # a warning is output on stderr that valgap did not mean to write: a finding too
    warnings.simplefilter("error")
    rng = random.Random(index * 7919 + int(time.time()))
    pool = seeds()
    end = time.monotonic() + seconds
    count, seen = 0, set()
    while time.monotonic() < end:
        data = mutate(rng.choice(pool), rng, pool)
        fmt = rng.choice(FORMATS)
        finding = execute(data, fmt, slow)
        count += 1
        if finding and finding.split(":")[0] + finding.split(" at ")[-1][:40] not in seen:
            seen.add(finding.split(":")[0] + finding.split(" at ")[-1][:40])
            name = f"w{index}-{len(seen):03d}-{fmt or 'detect'}.bin"
            (out / "findings" / name).write_bytes(data)
            queue.put(("finding", f"{name}: {finding}"))
    queue.put(("count", count))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--slow", type=float, default=5.0)
    parser.add_argument("--out", type=Path, default=Path("/tmp/valgap-fuzz"))
    args = parser.parse_args()
    (args.out / "findings").mkdir(parents=True, exist_ok=True)
    return run_workers("fuzz", worker, lambda i: (i, args.seconds, args.slow, args.out),
                       args.workers)


def run_workers(name: str, target, args_of, workers: int) -> int:
    """Run ``target(*args_of(i), queue)`` in ``workers`` processes; print each finding as it
    is queued and, last, the summary line. Exit status 1 when anything was found."""
    queue: mp.Queue = mp.Queue()
    started = time.monotonic()
    procs = [mp.Process(target=target, args=(*args_of(i), queue)) for i in range(workers)]
    for proc in procs:
        proc.start()
    total, findings, done = 0, [], 0
    while done < len(procs):
        kind, value = queue.get()
        if kind == "count":
            total += value
            done += 1
        else:
            findings.append(value)
            print("finding:", value, flush=True)
    for proc in procs:
        proc.join()
    took = time.monotonic() - started
    print(f"{name}: {total} executions in {took:.0f} s ({total / took:.1f}/s, "
          f"{workers} workers), {len(findings)} findings", flush=True)
    return 1 if findings else 0

if __name__ == "__main__":
    sys.exit(main())
