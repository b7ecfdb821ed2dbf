"""JSON Lines: one object per analysed run, exactly the contract of the spec (valgap/1)."""
from __future__ import annotations

import json
import math
from typing import IO, Any

from valgap._safe import json_safe
from valgap.model import Result


def render(results: list[Result], stream: IO[str], opts: object) -> None:
    for result in results:
        stream.write(encode(result.to_dict()) + "\n")


def encode(document: Any, indent: int | None = None) -> str:
    """Strict JSON (a non-finite number becomes null: NaN is not JSON) whose text carries no
    raw control character or workflow-command form (see ``valgap._safe.json_safe``)."""
    try:  # the common case, at a third of the cost: nothing to convert
        text = json.dumps(document, ensure_ascii=False, allow_nan=False, indent=indent)
    except (ValueError, TypeError):  # a NaN or infinity, a numpy scalar
        text = json.dumps(_finite(document), ensure_ascii=False, allow_nan=False,
                          indent=indent, default=_plain)
    return json_safe(text)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return _finite(value.item())
    return value


def _plain(value: object) -> object:
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
