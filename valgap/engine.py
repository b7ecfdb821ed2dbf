"""Run the fit classifier and every enabled rule on a run; rank what fired.

A rule that raises becomes a rule status ``error`` instead of stopping the analysis.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from valgap import best_epoch, rules, set_size, verdict
from valgap import fit as fit_module
from valgap.config import Config
from valgap.layer_kinds import AUGMENTATION, BATCHNORM, DROPOUT, DROPOUT_INSIDE
from valgap.model import (
    BOOSTING_ROUND,
    FAMILIES,
    Facts,
    InputError,
    Result,
    RuleStatus,
    Run,
    RunInfo,
    in_rows,
)
from valgap.parsers import SEPARATE_RUNS, Options, read
from valgap.parsers._table import downsample, mark_continuations, pick_run
from valgap.rules._base import Context, Skip
from valgap.rules._signals import Curves

MIN_EPOCHS = 2  # a comparison of curves needs two points of each
SMALL_SET = 100  # the most validation rows worth reading off the accuracies (noise's tiny_val)

# gradient boosting scores both sets with the same trees at each round's end
NOT_IN_BOOSTING = ("train-mode", "timing")
NOT_IN_BOOSTING_WHY = ("gradient boosting scores both sets with the same trees at each "
                       "round's end: no layers that act in training only, no loss averaged "
                       "over an epoch while the model changes")


def analyze_input(name: str, config: Config, options: Options | None = None,
                  all_runs: bool = False, data: bytes | None = None,
                  group: list[str] | None = None) -> list[Result]:
    """Every result for one input: the last run (or all runs), or the read error."""
    options = options or Options()
    return _analyze_runs(lambda: read(name, options, data, group), name, config, all_runs)


def analyze_history(history: object, config: Config, name: str,
                    all_runs: bool = False) -> list[Result]:
    """Every result for a run's history in memory (see ``valgap.parsers.memory``)."""
    from valgap.parsers import memory

    return _analyze_runs(lambda: memory.parse(history, name), name, config, all_runs)


def _analyze_runs(read_runs: Callable[[], list[Run]], name: str, config: Config,
                  all_runs: bool) -> list[Result]:
    """The results of the runs ``read_runs`` gives: the last one (or all), or the error."""
    try:
        runs = read_runs()
        chosen = chosen_runs(runs, name, all_runs)
    except InputError as exc:
        return [Result(source=name, error=exc)]
    return [analyze_run(downsample(run), config, name) for run in chosen]


def chosen_runs(runs: list[Run], name: str, all_runs: bool = False) -> list[Run]:
    """The runs of an input that are analysed: the last (or all); every run of a tracker,
    whose runs are separate experiments, not restarts of one."""
    separate = bool(runs) and runs[0].info.format in SEPARATE_RUNS
    if not separate:
        mark_continuations(runs)
    return runs if all_runs or separate else [pick_run(runs, name)]


def analyze_last(runs: list[Run], config: Config, name: str) -> Result:
    """The result that ``analyze_input`` gives for these runs (the run it picks, reduced as
    it reduces): ``watch`` answers as ``analyze`` does."""
    return analyze_run(downsample(chosen_runs(runs, name)[-1]), config, name)


def analyze_run(run: Run, config: Config, source: str | None = None) -> Result:
    facts = merge_facts(run, config.facts)
    result = Result(source=source or run.info.source, format=run.info.format, run=run)
    result.fit = fit_module.classify(run, facts, config.fit)
    result.best = best_epoch.find(run)
    curves = Curves.of(run)
    for name in curves.rounded if curves is not None else ():
        note = (f"the {name} loss is printed as 0 in some epochs: read as below the print's "
                "last digit (the print is rounded; log more decimals to measure it)")
        if note not in run.info.warnings:
            run.info.warnings.append(note)
    if curves is None or curves.n < MIN_EPOCHS:
        reason = result.fit.evidence if result.fit.fit is None or curves is None else (
            in_rows(f"{curves.n} epoch(s) with both losses: every rule needs at least "
                    f"{MIN_EPOCHS}", run.info.row))
        result.rules = [RuleStatus(r.ID, "skipped", reason) for r in rules.all_rules()]
    else:
        ctx = Context(run, facts, result.fit, curves)
        diverged = result.fit.fit == "diverged"
        unjudged = result.fit.fit is None  # a curve that is no measurement: only faults
        for module in rules.all_rules():
            if ctx.run.info.row == BOOSTING_ROUND and module.FAMILY in NOT_IN_BOOSTING:
                result.rules.append(RuleStatus(module.ID, "skipped", NOT_IN_BOOSTING_WHY))
            elif (diverged or unjudged) and not getattr(module, "MECHANICAL", False):
                why = ("training diverged: the gap between the curves means nothing after "
                       "that") if diverged else result.fit.evidence
                result.rules.append(RuleStatus(module.ID, "skipped", why))
            else:  # a mechanical fault (a spike, a zero loss) is reported beside divergence
                result.rules.append(_run_rule(module, ctx, config, result))
        result.causes = rank(result.causes, lasting_gap=result.fit.fit == "val-below-train")
    result.verdict = verdict.sentence(result)
    return result


def _run_rule(module, ctx: Context, config: Config, result: Result) -> RuleStatus:
    if module.ID in config.disabled:
        return RuleStatus(module.ID, "off", "disabled in valgap.yaml")
    try:
        outcome = module.check(ctx, config.rule_options(module.ID))
    except Exception as exc:
        return RuleStatus(module.ID, "error", f"internal error: {type(exc).__name__}: {exc}")
    if isinstance(outcome, Skip):
        return RuleStatus(module.ID, "skipped", outcome.reason)
    if outcome is None:
        return RuleStatus(module.ID, "clear")
    checks = tuple(c for c in outcome.checks if _fits(c, ctx.run.info))
    evidence = in_rows(outcome.evidence, ctx.run.info.row)  # the rules write of epochs
    result.causes.append(replace(outcome, checks=checks, evidence=evidence))
    return RuleStatus(module.ID, "fired")


EXPLAINS = 0.75  # a finding this sure, from real evidence, explains the gap on its own
# causes that, when sure, make a validation curve's shape say nothing of the model
UNDERMINE_THE_CURVE = ("leakage", "broken-metric")


def rank(findings: list, lasting_gap: bool = False) -> list:
    """Most likely first. Shape-only guesses count half once a cause backed by the input's
    own evidence (sizes, model summary, run facts) already explains the gap. A mechanism
    whose family is measured ranks by the family's confidence (its own stays below the
    line: which mechanism it is, nothing says). Where validation stays below training
    through the run (``lasting_gap``), an instability (a spike at one epoch) comes after
    every cause: it is worth a look, but it explains one epoch, not a lasting gap. A sure
    finding that validation holds training rows (leakage), or that the validation loss is
    not the loss (broken-metric), comes before what is read off that validation curve's
    shape (the fit family's overfitting onset)."""
    if any(f.confidence >= EXPLAINS and not f.guess for f in findings):
        findings = [replace(f, confidence=f.confidence / 2)
                    if f.guess and f.family_confidence is None else f for f in findings]
    leaked = max((f.confidence for f in findings if f.rule in UNDERMINE_THE_CURVE
                  and f.confidence >= EXPLAINS), default=None)

    def weight(f) -> float:
        sure = f.headline_confidence
        return min(sure, leaked - 1e-6) if leaked and FAMILIES[f.rule] == "fit" else sure
    return sorted(findings, key=lambda f: (lasting_gap and FAMILIES[f.rule] == "instability",
                                           -weight(f)))


def _fits(check: str, info: RunInfo) -> bool:
    """Keep a framework-specific check only for runs of that framework (all the networks'
    when unknown; boosting's only for runs whose rows are boosting rounds)."""
    if info.row == BOOSTING_ROUND:
        return not check.startswith(("Keras: ", "PyTorch: "))
    if check.startswith("Boosting: "):
        return False
    framework = info.framework
    if framework == "keras":
        return not check.startswith("PyTorch: ")
    if framework == "pytorch":
        return not check.startswith("Keras: ")
    return True


def merge_facts(run: Run, given: Facts) -> Facts:
    """valgap.yaml wins; the log fills what it leaves open."""
    facts = replace(given, origin=dict(given.origin))
    info = run.info

    def fill(name: str, value: object, origin: str) -> None:
        if getattr(facts, name) is None and value is not None:
            setattr(facts, name, value)
            facts.origin[name] = origin

    fill("n_train", info.n_train, "the log")
    fill("n_val", info.n_val, "the log")
    if facts.n_val is None and "val_accuracy" in run.table:
        # a count over a small set shows its size (a large set's lattice is too fine to be
        # told from chance by a few printed digits, and its sampling error too small to matter)
        fill("n_val", set_size.counted_rows(run.table["val_accuracy"].tolist(), SMALL_SET),
             set_size.ORIGIN)
    fill("val_loss_rows", info.val_loss_rows, "the log")
    for name, value in info.facts.items():  # a tracker's logged parameters
        if value and info.scores_validation_too(name):  # a term of both losses: no gap
            continue
        fill(name, value, info.fact_origins.get(name) or info.facts_origin or "the log")
    if info.layers:  # a model summary was printed: what it lacks, the model lacks
        # (but a PyTorch module may drop out in forward, F.dropout, unless the print is an
        # nn.Sequential of torch.nn's own modules, and a recurrent or attention layer by its
        # argument: no summary lists either)
        summary = "the model summary"
        for name, prefixes in (("dropout", DROPOUT), ("batchnorm", BATCHNORM)):
            has = _has(info.layers, prefixes)
            unlisted = name == "dropout" and (
                (info.framework == "pytorch" and not info.modules_whole)
                or _has(info.layers, DROPOUT_INSIDE))
            if has or not (info.summary_partial or unlisted):
                fill(name, has, summary)
        if _has(info.layers, AUGMENTATION):  # pipeline augmentation never shows
            fill("augmentation", True, summary)
    return facts


def _has(layers: dict[str, int], prefixes: tuple[str, ...]) -> bool:
    return any(name.startswith(prefixes) for name in layers)
