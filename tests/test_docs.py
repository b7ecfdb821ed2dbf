"""Every rule documents itself in the fixed sections; ids match the shared spec."""
from __future__ import annotations

import re
from pathlib import Path

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


def test_every_rule_module_is_registered_in_its_order():
    names = {p.stem for p in Path(rules.__file__).parent.glob("*.py")
             if not p.stem.startswith("_")}
    assert {m.__name__.rsplit(".", 1)[-1] for m in rules.all_rules()} == names
    orders = [m.ORDER for m in rules.all_rules()]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)


def test_ids_match_the_spec():
    spec = needs_shared(SHARED / "spec" / "diagnoses.md").read_text()
    fits = set(re.findall(r"^\| `([a-z-]+)` \| (?!train-mode|timing|bug|data-split|noise|fit)",
                          spec, re.M))
    causes = set(re.findall(r"^\| `([a-z-]+)` \| (?:train-mode|timing|bug|data-split|noise|fit) ",
                            spec, re.M))
    assert fits == set(FIT_CLASSES)
    assert causes <= set(rules.RULES)  # every spec cause has its rule; valgap may add more
    assert set(rules.RULES) - causes == {"loss-spike"}
