"""The command line: wires inputs, config, engine and renderers. No analysis here."""
from __future__ import annotations

import signal
import sys
import warnings

import click

from valgap import __version__, exitcodes
from valgap.model import FIT_CLASSES

FORMAT_CHOICES = ("text", "json", "markdown", "github", "sarif", "html")
# every reader's name (valgap.parsers.ALL_FORMATS), written out: the CLI does not import
# the readers to list them (a test keeps the two the same)
INPUT_FORMATS = ("boosting", "caffe", "catboost-info", "csv", "hf-trainer-log-csv",
                 "hf-trainer-state", "hf-trainer-stdout", "history-json", "history-pickle",
                 "history-print", "jsonl", "keras-stdout", "lightning-progress", "loop-text",
                 "notebook", "ray-tune", "tb-events", "tb-export", "yolo-results-txt",
                 "yolo-stdout")


class _Group(click.Group):
    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write("\n" + exitcodes.HELP.replace("\b\n", "") + "\n")

    def invoke(self, ctx: click.Context):
        # click turns a closed pipe into exit 1 before entry() sees it: every command
        # ends here first, so a closed pipe exits 141 quietly whichever command wrote
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _quiet_pipe()


SIZE_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


class ByteSize(click.ParamType):
    """A size in bytes: 1048576, 512K, 500M, 4G (powers of 1024)."""

    name = "size"
    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip().upper().removesuffix("B").removesuffix("I")
        number, unit = (text[:-1], text[-1]) if text[-1:] in SIZE_UNITS else (text, "")
        try:
            size = int(float(number) * SIZE_UNITS[unit])
        except (ValueError, OverflowError):
            self.fail(f"{value!r} is not a size such as 500M or 4G", param, ctx)
        if size <= 0:
            self.fail(f"{value!r}: a size must be positive", param, ctx)
        return size


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="valgap")
def main() -> None:
    """valgap: why does my validation loss differ from my training loss?

    Reads a training log (Keras output, CSV loggers, TensorBoard, Hugging Face Trainer
    state, plain loop prints) and says which documented cause the evidence points to.
    """


@main.command(epilog=exitcodes.HELP)
@click.argument("inputs", nargs=-1)
@click.option("--mlflow", "mlflow_uri", metavar="URI", help="An MLflow tracking URI to read "
              "(a server http://..., sqlite:///..., postgresql://...); with --experiment. "
              "Needs valgap[mlflow].")
@click.option("--experiment", help="The MLflow experiment to read at --mlflow.")
@click.option("--run", "run_id", metavar="ID", help="Only this MLflow run of --experiment.")
@click.option("--annotate", is_flag=True, help="Set the verdict as tags (valgap.fit, "
              "valgap.cause, valgap.verdict) on each analysed MLflow run: the one option "
              "that writes. Needs valgap[mlflow].")
@click.option("--format", "fmt", type=click.Choice(FORMAT_CHOICES), default="text",
              show_default=True, help="Output format (json = JSON Lines, one run per line).")
@click.option("--input-format", type=click.Choice(INPUT_FORMATS),
    help="Skip detection: read every input as this format.")
@click.option("--train-col", help="Column (CSV) or key (JSON history, JSON Lines, MLflow, "
              "W&B) holding the training loss.")
@click.option("--val-col", help="Column or key holding the validation loss.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="valgap.yaml to use instead of the one found beside each log.")
@click.option("--fail-on", default="", metavar="ID[,ID...]",
              help="Exit 1 if one of these fit classes or causes fires (CI gating).")
@click.option("--no-plot", is_flag=True, help="Leave the curves out of the text report.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True, help="Colour in the text report (auto: only on a terminal, "
                                      "never with NO_COLOR set).")
@click.option("--all-runs", is_flag=True, help="Analyse every run of an input whose training "
                                               "restarted, not only the last.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Runs analysed in parallel (default: the number of CPUs).")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local",
              show_default=True, help="Where runs are analysed: local worker processes, or a "
              "Dask cluster (needs valgap[dask]).")
@click.option("--scheduler", metavar="ADDRESS", help="The Dask scheduler, e.g. "
              "tcp://10.0.0.5:8786 (default: DASK_SCHEDULER_ADDRESS; without either, a "
              "local cluster sized to this machine).")
@click.option("--chunk-size", type=click.IntRange(min=1), default=None,
              help="Inputs per Dask task (default: chosen from the batch, up to 100).")
@click.option("--timeout", type=click.FloatRange(min=0), default=300, show_default=True,
              help="Seconds one input may take; past them it is reported unreadable and "
                   "the batch goes on (0: no limit).")
@click.option("--details", is_flag=True, help="In a batch: each run's full report after the "
                                              "summary table.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="Write the report (in --format) to FILE; the terminal gets the summary.")
@click.option("--skip-unreadable", is_flag=True, help="Report unreadable inputs but do not let "
                                                      "them set the exit code.")
@click.option("--max-input-size", type=ByteSize(), default="4G", show_default=True,
              metavar="SIZE", help="Refuse an input holding more data than this after "
                                   "decompression (e.g. 500M, 16G).")
@click.option("--max-runs", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Refuse an input holding more runs than this (restarted trainings).")
@click.option("-v", "--verbose", is_flag=True, help="Also show how each table was built and "
                                                    "which files were skipped.")
def analyze(inputs: tuple[str, ...], mlflow_uri: str | None, experiment: str | None,
            run_id: str | None, annotate: bool, fmt: str, input_format: str | None,
            train_col: str | None, val_col: str | None, config_path: str | None, fail_on: str,
            no_plot: bool,
            color: str, all_runs: bool, jobs: int | None, executor: str,
            scheduler: str | None, chunk_size: int | None, timeout: float, details: bool,
            output: str | None,
            skip_unreadable: bool, max_input_size: int, max_runs: int, verbose: bool) -> None:
    """Analyse training logs: files, run folders, folders of runs, or - for standard input.

    \b
    valgap analyze run.log
    python train.py | valgap analyze -
    valgap analyze history.csv --format json --fail-on overfit,diverged
    valgap analyze logs/ --format markdown -o summary.md
    valgap analyze mlruns/                      # or mlflow.db
    valgap analyze --mlflow http://127.0.0.1:5000 --experiment NAME
    valgap analyze /shared/runs --executor dask --scheduler tcp://10.0.0.5:8786 \\
        --format json -o verdicts.jsonl
    """
    from valgap import runner

    inputs = inputs + _tracking_inputs(mlflow_uri, experiment, run_id)
    if "-" in inputs and sys.stdin is not None and sys.stdin.isatty():
        click.echo("valgap: reading the log from standard input (end it with Ctrl-D; or "
                   "pipe it: python train.py | valgap analyze -)", err=True)
    if not inputs:
        raise click.UsageError("give at least one input (a file, a folder, or -), or "
                               "--mlflow URI --experiment NAME")
    gate = _parse_fail_on(fail_on)
    job = runner.Job(inputs=list(inputs), fmt=fmt, input_format=input_format,
                     train_col=train_col, val_col=val_col, config_path=config_path,
                     fail_on=gate, plot=not no_plot, color=color, all_runs=all_runs,
                     verbose=verbose, jobs=jobs, details=details, output=output,
                     skip_unreadable=skip_unreadable, max_input_bytes=max_input_size,
                     max_runs=max_runs, annotate=annotate, executor=executor,
                     scheduler=scheduler, chunk_size=chunk_size, timeout=timeout or None)
    sys.exit(runner.run(job))


def _tracking_inputs(uri: str | None, experiment: str | None,
                     run_id: str | None) -> tuple[str, ...]:
    if uri is None:
        if experiment or run_id:
            raise click.UsageError("--experiment and --run go with --mlflow URI")
        return ()
    if not experiment:
        raise click.UsageError("--mlflow needs --experiment NAME")
    from valgap.parsers.mlflow_store import tracking_input

    return (tracking_input(uri, experiment, run_id),)


def _parse_fail_on(text: str) -> set[str]:
    from valgap import rules

    ids = {part.strip() for part in text.split(",") if part.strip()}
    known = set(FIT_CLASSES) | set(rules.RULES)
    unknown = sorted(ids - known)
    if unknown:
        raise click.BadParameter(f"unknown id(s) {', '.join(unknown)}; choose from "
                                 f"{', '.join(sorted(known))}", param_hint="--fail-on")
    return ids


@main.command(epilog=exitcodes.help_text(skip_unreadable=False))
@click.argument("log")
@click.option("--input-format", type=click.Choice(["keras-stdout", "loop-text", "csv",
                                                    "lightning-progress"]),
              help="Skip detection.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="valgap.yaml to use instead of the one found beside the log.")
@click.option("--fail-on", default="", metavar="ID[,ID...]",
              help="At the end, exit 1 if one of these fit classes or causes fired.")
@click.option("--interval", type=click.FloatRange(min=0.05), default=1.0, show_default=True,
              help="Seconds between checks of the file.")
@click.option("--idle", type=click.FloatRange(min=0), default=None,
              help="Stop after this many seconds without new data (default: until Ctrl-C "
                   "or the end of standard input).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True,
              help="json: nothing while following, then the final result as one JSON line "
                   "(what `analyze --format json` writes).")
@click.option("--no-plot", is_flag=True, help="Leave the curves out.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True)
def watch(log: str, input_format: str | None, config_path: str | None, fail_on: str,
          interval: float, idle: float | None, fmt: str, no_plot: bool, color: str) -> None:
    """Follow a log while training writes it: LOG, or - for standard input.

    \b
    valgap watch run.log --idle 600
    python train.py | valgap watch - --fail-on diverged
    """
    from valgap.watch import WatchJob
    from valgap.watch import watch as follow

    job = WatchJob(path=log, input_format=input_format, config_path=config_path,
                   fail_on=_parse_fail_on(fail_on), interval=interval, idle=idle,
                   plot=not no_plot, color=color, fmt=fmt)
    sys.exit(follow(job))


@main.command(epilog=exitcodes.help_text(fail_on=False, skip_unreadable=False))
@click.argument("baseline")
@click.argument("runs", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="Write the comparison to FILE instead of standard output.")
@click.option("--no-plot", is_flag=True, help="Leave the curves out.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True)
def compare(baseline: str, runs: tuple[str, ...], fmt: str, output: str | None, no_plot: bool,
            color: str) -> None:
    """Compare runs with a baseline: fit, causes, size and side of the gap, best loss.

    \b
    valgap compare baseline.log new.log
    valgap compare runs/a/history.csv runs/b/history.csv runs/c/history.csv
    valgap compare base.log new.log --format html -o compare.html
    """
    from valgap.runner import run_compare

    if output is None:
        sys.exit(run_compare(baseline, list(runs), fmt, not no_plot, color))
    with open(output, "w", encoding="utf-8") as out:
        sys.exit(run_compare(baseline, list(runs), fmt, not no_plot, color, out=out))


@main.command()
@click.argument("rule_id")
def explain(rule_id: str) -> None:
    """Print the documentation of a rule (a cause id such as dropout)."""
    from valgap import rules

    text = rules.explanation(rule_id)
    if text is None:
        click.echo(f"valgap: no rule {rule_id!r}; `valgap rules` lists them", err=True)
        sys.exit(exitcodes.USAGE)
    click.echo(text)


@main.command()
def mcp() -> None:
    """Serve valgap to coding agents: a Model Context Protocol server on stdio with the
    tools analyze (a path, or a pasted log), explain and rules. Needs the MCP SDK:
    pip install 'valgap[mcp]'."""
    from valgap.mcp_server import serve

    serve()


@main.command(name="rules")
def list_rules() -> None:
    """List every rule with its id, family and one-line summary, then the fit classes
    (all of them ids that `valgap analyze --fail-on` takes)."""
    from valgap import rules

    listed = rules.catalogue()
    for rule_id, family, summary in (r for r in listed if r[1] != rules.FIT_CLASS):
        click.echo(f"{rule_id:<24} {family:<12} {summary}")
    click.echo("\nfit classes (one per run; --fail-on takes them too):")
    for rule_id, _, summary in (r for r in listed if r[1] == rules.FIT_CLASS):
        click.echo(f"{rule_id:<24} {'fit':<12} {summary}")


def entry() -> None:
    """Console-script entry: usage errors exit 2, Ctrl-C 130, SIGTERM 143, a closed pipe
    141, quietly."""
    _guard_streams()
    # a library's warnings (pandas, plotext) are for developers: stderr carries one line per
    # problem with an input and nothing else
    warnings.simplefilter("ignore")
    signal.signal(signal.SIGTERM, _terminated)
    try:
        code = main(standalone_mode=False)
    except click.exceptions.Abort:  # click's form of Ctrl-C
        _interrupted()
    except KeyboardInterrupt:
        _interrupted()
    except click.ClickException as exc:
        exc.show()
        sys.exit(exitcodes.USAGE)
    except BrokenPipeError:
        _quiet_pipe()
    sys.exit(code or 0)


def _guard_streams() -> None:
    """Whatever the locale or PYTHONIOENCODING, a character the stream cannot encode is
    written as an escape instead of raising (names are already escaped; this is the floor)."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def _terminated(signum: int, frame: object) -> None:
    # unwinds like Ctrl-C: the batch stops its worker processes on the way out
    raise SystemExit(exitcodes.TERMINATED)


def _interrupted() -> None:
    sys.stderr.write("valgap: interrupted\n")
    sys.exit(exitcodes.INTERRUPTED)


def _quiet_pipe() -> None:
    import os

    # the reader went away (`valgap ... | head`): stop writing, without a traceback
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(exitcodes.BROKEN_PIPE)


if __name__ == "__main__":  # pragma: no cover
    entry()

