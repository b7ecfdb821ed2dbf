"""The layering holds: renderers never import parsers or rules; parsers and rules never import
renderers or the CLI; the model imports nothing from valgap."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "valgap"
FORBIDDEN = {
    "render": ("valgap.parsers", "valgap.rules", "valgap.engine", "valgap.cli"),
    "parsers": ("valgap.render", "valgap.cli", "valgap.rules", "valgap.engine"),
    "rules": ("valgap.render", "valgap.cli", "valgap.parsers"),
    "model.py": ("valgap.",),
    "fit.py": ("valgap.render", "valgap.cli", "valgap.parsers"),
}


def imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("part", sorted(FORBIDDEN))
def test_layer(part):
    files = [PACKAGE / part] if part.endswith(".py") else sorted((PACKAGE / part).rglob("*.py"))
    for path in files:
        bad = {n for n in imports(path) for prefix in FORBIDDEN[part] if n.startswith(prefix)}
        assert not bad, f"{path.relative_to(PACKAGE)} imports {bad}"


def test_start_up_does_not_import_pandas_or_plotext():
    import subprocess
    import sys

    code = ("import sys, valgap.cli; "
            "print(any(m in sys.modules for m in ('pandas', 'plotext', 'tensorboard')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False"
