"""Making text from a log safe to print: no escape sequences, no control characters."""
from __future__ import annotations

import re

# CSI sequences (colours, cursor moves), OSC sequences (titles, links) and lone escapes
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
# what remains of control characters after ANSI removal is never shown to the user
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Text from a log made safe for a terminal."""
    return CONTROL.sub("", ANSI.sub("", text))
