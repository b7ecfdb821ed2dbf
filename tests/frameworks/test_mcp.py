"""`valgap mcp` driven by the MCP SDK's own client over stdio, in a subprocess: the tools it
lists, a log analysed by path and pasted as text, a bad input answered, not failed."""
from __future__ import annotations

import asyncio
import json
import sys

import pytest

from tests.conftest import ROOT, SAMPLES

pytest.importorskip("mcp")


def _session(calls):
    from mcp import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    async def run():
        server = StdioServerParameters(command=sys.executable, args=["-m", "valgap", "mcp"],
                                       cwd=str(ROOT))
        async with stdio_client(server) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            return await calls(session)

    return asyncio.run(asyncio.wait_for(run(), timeout=120))


def _payload(result) -> object:
    structured = getattr(result, "structuredContent", None) or getattr(
        result, "structured_content", None)
    if structured:
        return structured.get("result", structured)
    return json.loads(result.content[0].text)


def test_the_server_lists_its_three_tools():
    async def calls(session):
        return sorted(t.name for t in (await session.list_tools()).tools)

    assert _session(calls) == ["analyze", "explain", "rules"]


def test_analyze_by_path_and_by_pasted_text_agree():
    log = SAMPLES / "dropout.log"

    async def calls(session):
        by_path = await session.call_tool("analyze", {"path": str(log)})
        by_text = await session.call_tool("analyze", {"text": log.read_text()})
        missing = await session.call_tool("analyze", {"path": str(log) + ".missing"})
        return _payload(by_path), _payload(by_text), _payload(missing)

    by_path, by_text, missing = _session(calls)
    assert by_path["runs"][0]["fit"] == "val-below-train"
    assert by_path["runs"][0]["causes"][0]["id"] == "dropout"
    assert by_text["runs"][0]["causes"] == by_path["runs"][0]["causes"]
    assert by_path["verdicts"][0].startswith("Validation loss stays below training loss")
    assert missing["runs"][0]["error"]["code"] == "not-found"  # an answer, not a failure


def test_explain_and_rules_answer_as_the_cli_does():
    async def calls(session):
        explained = await session.call_tool("explain", {"rule_id": "leakage"})
        listed = await session.call_tool("rules", {})
        return explained.content[0].text, _payload(listed)

    explained, listed = _session(calls)
    assert explained.startswith("leakage (data-split)") and "Defaults:" in explained
    ids = {r["id"] for r in listed}
    assert {"dropout", "leakage", "overfit", "good-fit"} <= ids
