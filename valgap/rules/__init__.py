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


def explanation(rule_id: str) -> str | None:
    """What ``valgap explain`` prints: a rule's documentation and defaults, or what a fit
    class means; None for an id that is neither."""
    from valgap.phrases import FIT_PHRASES

    module = get(rule_id)
    if module is None:
        return f"{rule_id} (fit class): {FIT_PHRASES[rule_id]}." if rule_id in FIT_PHRASES \
            else None
    defaults = ", ".join(f"{k}={v}" for k, v in module.DEFAULT.items())
    return (f"{module.ID} ({module.FAMILY})\n\n{(module.__doc__ or '').strip()}\n\n"
            f"Defaults: {defaults}")


def catalogue() -> list[tuple[str, str, str]]:
    """(id, family, summary) of every rule, then of every fit class (family "fit class")."""
    from valgap.phrases import FIT_PHRASES

    return [(m.ID, m.FAMILY, m.TITLE) for m in all_rules()] + [
        (fit, FIT_CLASS, phrase[0].lower() + phrase[1:]) for fit, phrase in FIT_PHRASES.items()]


FIT_CLASS = "fit class"  # the family catalogue() gives the fit classes
