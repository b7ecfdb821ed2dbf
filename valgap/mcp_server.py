"""`valgap mcp`: valgap as a Model Context Protocol server over stdio, for coding agents.

Tools:

- ``analyze(path=None, text=None)``: a log file, a run folder or a folder of runs (``path``),
  or a log pasted as ``text``; returns one JSON object per run (schema ``valgap/1``, as
  ``valgap analyze --format json`` writes) and each run's verdict. An input that cannot be
  read comes back as an object with ``error`` set, never as a failed call.
- ``explain(rule_id)``: what a cause or fit class means, how to check it and fix it.
- ``rules()``: every rule and fit class, with its id, family and one-line summary.

Needs the optional extra: ``pip install 'valgap[mcp]'``.
"""
from __future__ import annotations

import json
from typing import Any

INSTALL = "pip install 'valgap[mcp]'"
MAX_TEXT = 64 << 20  # a pasted log, at most (a file has --max-input-size)
INSTRUCTIONS = (
    "valgap tells why a training run's validation loss differs from its training loss. "
    "Call analyze with the path of a training log (Keras output, a CSV logger, TensorBoard "
    "events, a Trainer's trainer_state.json, MLflow or W&B stores, loop prints...) or paste "
    "the log as text. Each result has 'fit' (one of underfit, overfit, good-fit, "
    "val-below-train, diverged, too-short), 'causes' ranked with 'confidence' (a "
    "probability), 'evidence' and 'checks' (what to run next), 'best_epoch' and a one-line "
    "'verdict'. Call explain with a cause id for its meaning and fix.")


def analyze(path: str | None = None, text: str | None = None) -> dict[str, Any]:
    """Diagnose a training log: give ``path`` (a file or folder) or ``text`` (the log)."""
    from valgap import records

    if (path is None) == (text is None):
        return {"error": "give exactly one of path (a log file or folder) or text (a log)"}
    if text is not None:
        data = text.encode("utf-8")
        if len(data) > MAX_TEXT:
            return {"error": f"the pasted log is over {MAX_TEXT >> 20} MiB: give its path"}
        runs = _records_of_text(data)
    else:
        runs = records(path)
    return {"runs": runs, "verdicts": [r.get("verdict") or (r.get("error") or {}).get(
        "message", "") for r in runs]}


def _records_of_text(data: bytes) -> list[dict[str, Any]]:
    """A pasted log, analysed as standard input would be."""
    from valgap import config, engine
    from valgap.render.json import encode

    results = engine.analyze_input("-", config.Config(), data=data)
    return [json.loads(encode(r.to_dict())) for r in results]


def explain(rule_id: str) -> str:
    """What a cause (dropout, leakage...) or fit class (overfit...) means and how to check it."""
    from valgap import rules

    return rules.explanation(rule_id) or f"no rule {rule_id!r}: call rules for the list"


def list_rules() -> list[dict[str, str]]:
    """Every rule (cause) and fit class, with its id, family and one-line summary."""
    from valgap import rules

    return [{"id": i, "family": f, "summary": s} for i, f, s in rules.catalogue()]


def serve() -> None:
    """Run the server on stdio until the client closes it."""
    try:
        from mcp.server.mcpserver import MCPServer
    except ImportError:
        import sys

        from valgap.exitcodes import USAGE

        sys.stderr.write(f"valgap: `valgap mcp` needs the MCP SDK (2.x): {INSTALL}\n")
        raise SystemExit(USAGE) from None
    from valgap import __version__

    server = MCPServer(name="valgap", version=__version__, instructions=INSTRUCTIONS)
    server.tool(name="analyze")(analyze)
    server.tool(name="explain")(explain)
    server.tool(name="rules")(list_rules)
    server.run("stdio")
