"""Jupyter notebooks: the text outputs of the cells, read as the training log they hold."""
from __future__ import annotations

import json

from valgap.model import InputError
from valgap.parsers._text import Source

NAME = "notebook"


def sniff(head: str) -> float:
    text = head.lstrip("\ufeff").lstrip()
    # "nbformat" sits at the end of the file, beyond the head of a large notebook
    return 1.0 if text.startswith("{") and '"cells"' in head and '"cell_type"' in head else 0.0


def outputs(source: Source) -> Source:
    """A text source made of every cell's stream and plain-text outputs, in order."""
    try:
        doc = json.loads(source.text().lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise InputError(f"not a valid notebook: {exc.msg}", source.name, line=exc.lineno,
                         code="bad-json") from None
    chunks: list[str] = []
    for cell in doc.get("cells", []) if isinstance(doc, dict) else []:
        for out in cell.get("outputs", []) if isinstance(cell, dict) else []:
            if not isinstance(out, dict):
                continue
            text = out.get("text") or (out.get("data") or {}).get("text/plain") or ""
            chunks.append("".join(text) if isinstance(text, list) else str(text))
    if not any(c.strip() for c in chunks):
        raise InputError("the notebook has no text outputs (was it saved after running?)",
                         source.name, code="no-epochs")
    joined = "\n".join(c if c.endswith("\n") else c + "\n" for c in chunks)
    return Source(source.name, joined.encode("utf-8"))
