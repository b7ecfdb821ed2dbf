"""Every rule documents itself in the fixed sections; ids match the shared spec."""
from __future__ import annotations

import re

import pytest

from tests.conftest import SHARED, needs_shared
from valgap import rules
from valgap.model import FAMILIES, FIT_CLASSES

SECTIONS = ("What it means", "Why validation ends up below training", "Evidence in the log",
            "How to check", "How to fix", "Options")


@pytest.mark.parametrize("module", rules.all_rules(), ids=lambda m: m.ID)
def test_rule_docstring_sections_and_declarations(module):
    doc = module.__doc__ or ""
    for section in SECTIONS:
        assert f"\n{section}\n" in doc, f"{module.ID}: missing section {section!r}"
    assert FAMILIES[module.ID] == module.FAMILY
    assert module.TITLE and callable(module.check)
    for option in module.DEFAULT:
        assert option in doc.split("Options")[-1], f"{module.ID}: option {option} undocumented"
    assert module.__name__.rsplit(".", 1)[-1] == module.ID.replace("-", "_")


def test_ids_match_the_spec():
    spec = needs_shared(SHARED / "spec" / "diagnoses.md").read_text()
    fits = set(re.findall(r"^\| `([a-z-]+)` \| (?!train-mode|timing|bug|data-split|noise|fit)",
                          spec, re.M))
    causes = set(re.findall(r"^\| `([a-z-]+)` \| (?:train-mode|timing|bug|data-split|noise|fit) ",
                            spec, re.M))
    assert fits == set(FIT_CLASSES)
    assert causes <= set(rules.RULES)  # every spec cause has its rule; valgap may add more
    assert set(rules.RULES) - causes == {"loss-spike"}
