"""The causes: one module per spec id, found in this package.

Each module declares ``ID``, ``ORDER`` (its place in listings; ties in confidence go to the
lower), ``FAMILY``, ``TITLE``, ``DEFAULT`` (its options) and ``check(ctx, options)``, which
returns a ``Finding``, a ``Skip`` (cannot judge, and why) or ``None`` (judged: does not
apply). Its docstring is the user documentation that ``valgap explain ID`` prints.
Adding a rule is adding a module here: nothing else to register.
"""
from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def _load() -> dict[str, ModuleType]:
    modules = [importlib.import_module(f"{__name__}.{info.name}")
               for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_")]
    return {m.ID: m for m in sorted(modules, key=lambda m: (m.ORDER, m.ID))}


RULES: dict[str, ModuleType] = _load()


def get(rule_id: str) -> ModuleType | None:
    return RULES.get(rule_id)


def all_rules() -> list[ModuleType]:
    return list(RULES.values())
