"""Making text from a log safe to show: no escape sequences, no control characters, no
workflow commands.

Anything read from an input (file names, column names, tags, quoted log text) may hold
bytes meant for a terminal or a CI runner: an ESC sequence that retitles the window, a
newline followed by ``::error::`` that GitHub Actions executes, ``##[error]`` (its legacy
form, read anywhere in a line). Each output neutralises such text its own way:

- ``shown``: human output (terminal, Markdown, stderr): controls become visible escapes
  (``\\n``, ``\\x1b``), a non-UTF-8 byte of a file name becomes ``\\xff``, and ``::`` and
  ``##[`` are broken so that no line can start a workflow command;
- ``json_safe``: JSON text whose *values* stay exact: the same characters, written as JSON
  escapes (``\\u009b``, ``\\u005b``) so that no raw control or command form reaches the stream.
"""
from __future__ import annotations

import re

# CSI sequences (colours, cursor moves), OSC sequences (titles, links) and lone escapes
ANSI = re.compile(r"\x1b\[[0-9;?]{0,64}[ -/]{0,8}[@-~]|\x1b\][^\x07\x1b]{0,4096}(?:\x07|\x1b\\)"
                  r"|\x1b[@-Z\\-_]")
# what remains of control characters after ANSI removal is never shown to the user
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# everything that must not reach a human-facing stream raw: C0 (newline and tab included),
# DEL, C1, the Unicode line/paragraph separators, the bidirectional overrides that make a
# name read differently from what it is ("run\u202egol.exe"), and lone surrogates
# (undecodable bytes of a file name under Python's surrogateescape)
_INVISIBLE = "\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"
_UNSAFE = re.compile(rf"[\x00-\x1f\x7f-\x9f{_INVISIBLE}\ud800-\udfff]|::|##\[")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

_JSON_UNSAFE = re.compile(rf"[\x7f-\x9f{_INVISIBLE}\ud800-\udfff]|##\[")


def _escape(match: re.Match[str]) -> str:
    text = match.group()
    if text == "::":
        return ":\\x3a"
    if text == "##[":
        return "##\\x5b"
    if text in _SHORT:
        return _SHORT[text]
    code = ord(text)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def shown(text: str) -> str:
    """Text from an input made safe for a terminal, a Markdown page or stderr: one line,
    every control character visible as an escape, no workflow-command form."""
    return _UNSAFE.sub(_escape, text)


def printable(text: str) -> str:
    """Log text for people: ANSI colour codes dropped (they are formatting, not content),
    then everything else neutralised by ``shown``."""
    return shown(ANSI.sub("", text))


def _json_escape(match: re.Match[str]) -> str:
    text = match.group()
    if text == "##[":
        return "##\\u005b"
    return f"\\u{ord(text):04x}"


def json_safe(encoded: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)``) with C1 controls, line
    separators, lone surrogates and ``##[`` written as ``\\uXXXX`` escapes: the decoded
    values are unchanged, the stream carries nothing a terminal or a CI runner acts on.
    (C0 controls are already escaped by ``json.dumps``; ``::`` cannot start a JSON line.)"""
    return _JSON_UNSAFE.sub(_json_escape, encoded)


def error_line(source: str, line: int | None, message: str) -> str:
    """``file:line: message`` for stderr: the name shown exactly (escaped), the message as
    log text (colour codes dropped)."""
    where = shown(source) + (f":{line}" if line else "")
    return f"{where}: {printable(message)}" if where else printable(message)
