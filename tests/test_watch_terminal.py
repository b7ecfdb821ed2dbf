"""`valgap watch` on a real terminal (tmux, at 80x24 and 200x50), the screen read back: a
status line from the start, the verdict and curves within the screen, Ctrl-C ending with
the final verdict and exit 130. Skipped where tmux is not installed."""
from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from tests.conftest import ROOT, SAMPLES

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=30,
                          check=True).stdout


def _screen(session: str) -> list[str]:
    return _tmux("capture-pane", "-p", "-t", session).splitlines()


def _wait_for(session: str, text: str, seconds: float = 60) -> list[str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        screen = _screen(session)
        if any(text in line for line in screen):
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never showed:\n" + "\n".join(_screen(session)))


@pytest.mark.parametrize("cols,rows", [(80, 24), (200, 50)])
def test_watch_fits_the_terminal_and_ends_on_ctrl_c(tmp_path, cols, rows):
    log = tmp_path / "train.log"
    log.write_text("")
    session = f"valgap-{uuid.uuid4().hex[:8]}"
    command = (f"cd {shlex.quote(str(ROOT))} && {shlex.quote(sys.executable)} -m valgap "
               f"watch {shlex.quote(str(log))} --interval 0.2")
    # the shell traps Ctrl-C with a handler (an ignored SIGINT would be inherited) and says
    # how valgap exited
    _tmux("new-session", "-d", "-s", session, "-x", str(cols), "-y", str(rows),
          f"trap ':' INT; export TERM=xterm-256color; {command}; echo valgap-exit=$?")
    try:
        _tmux("set-option", "-t", session, "remain-on-exit", "on")
        first = _wait_for(session, "waiting for the first epoch")  # before any epoch
        assert first[-1].startswith("waiting for the first epoch")
        log.write_text((SAMPLES / "overfit.log").read_text())
        screen = _wait_for(session, "epoch 60 · ")
        assert len(screen) <= rows and all(len(line) <= cols for line in screen)
        assert any("Verdict: The model overfits" in line for line in screen), screen
        assert screen[-1].startswith("epoch 60 · ") and "last write" in screen[-1]
        if rows >= 50:
            assert any("┌" in line for line in screen)  # room for the curves: drawn
        _tmux("send-keys", "-t", session, "C-c")
        deadline = time.monotonic() + 30
        while _tmux("display-message", "-p", "-t", session, "#{pane_dead}").strip() != "1":
            assert time.monotonic() < deadline, "the watch did not end on Ctrl-C"
            time.sleep(0.2)
        history = _tmux("capture-pane", "-p", "-S", "-200", "-t", session)
        assert "valgap-exit=130" in history and "final: valgap" in history
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
