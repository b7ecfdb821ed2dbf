"""Jupyter notebooks: the text outputs of the cells, read as the training log they hold."""
from __future__ import annotations

from valgap.model import InputError
from valgap.parsers._text import Source, load_json

NAME = "notebook"


def sniff(head: str) -> float:
    text = head.lstrip("\ufeff").lstrip()
    # "nbformat" sits at the end of the file, beyond the head of a large notebook
    return 1.0 if text.startswith("{") and '"cells"' in head and '"cell_type"' in head else 0.0


def outputs(source: Source) -> Source:
    """A text source made of every cell's stream and plain-text outputs, in order."""
    doc = load_json(source.text(), source.name, "notebook")
    chunks = [_text(out) for cell in _items(doc, "cells") for out in _items(cell, "outputs")]
    if not any(c.strip() for c in chunks):
        raise InputError("the notebook has no text outputs (was it saved after running?)",
                         source.name, code="no-epochs")
    joined = "\n".join(c if c.endswith("\n") else c + "\n" for c in chunks)
    return Source(source.name, joined.encode("utf-8"))


def _items(node: object, key: str) -> list[dict]:
    """The mappings listed under ``key``; anything of another shape holds no output."""
    value = node.get(key) if isinstance(node, dict) else None
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(output: dict) -> str:
    """A stream output's text, or an execute result's plain-text form."""
    data = output.get("data")
    text = output.get("text") or (data.get("text/plain") if isinstance(data, dict) else None)
    if isinstance(text, list):
        return "".join(t for t in text if isinstance(t, str))
    return text if isinstance(text, str) else ""
