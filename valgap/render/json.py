"""JSON Lines: one object per analysed run, exactly the contract of the spec (valgap/1)."""
from __future__ import annotations

import json
from typing import IO

from valgap.model import Result


def render(results: list[Result], stream: IO[str], opts: object) -> None:
    for result in results:
        stream.write(json.dumps(result.to_dict(), ensure_ascii=False, allow_nan=False,
                                default=_plain) + "\n")


def _plain(value: object) -> object:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()  # type: ignore[attr-defined]
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
