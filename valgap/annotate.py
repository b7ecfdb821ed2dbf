"""``--annotate``: the verdict of each analysed MLflow run set as tags on that run, so that
it shows in the MLflow UI. The one place valgap writes anything; it never touches metrics
or artifacts. Needs the mlflow client (``valgap[mlflow]``)."""
from __future__ import annotations

from typing import IO

from valgap._safe import printable
from valgap.model import Result

VERDICT_CHARS = 5000  # MLflow keeps tag values up to this length


def tags(result: Result) -> dict[str, str]:
    """The tags of one result: its fit class, its first cause and its verdict."""
    return {"valgap.fit": result.fit.fit or "none",
            "valgap.cause": result.causes[0].rule if result.causes else "none",
            "valgap.verdict": result.verdict[:VERDICT_CHARS]}


def mlflow_runs(results: list[Result], err: IO[str]) -> int:
    """Tag every analysed MLflow run; the count of runs tagged. A failure is one line."""
    targets = [r for r in results if r.error is None and r.run is not None
               and r.run.info.tracker and r.fit is not None]
    if not targets:
        return 0
    try:
        from mlflow.tracking import MlflowClient
    except ImportError:
        err.write("valgap: --annotate needs the mlflow client: pip install 'valgap[mlflow]'\n")
        return 0
    tagged = 0
    for result in targets:
        where = result.run.info.tracker
        try:
            client = MlflowClient(tracking_uri=where["uri"])
            for key, value in tags(result).items():
                client.set_tag(where["run_id"], key, value)
            tagged += 1
        except Exception as exc:  # the client's errors are many (HTTP, SQL, files)
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
            err.write(f"valgap: cannot annotate MLflow run {where['run_id']}: "
                      f"{printable(first)}\n")
    return tagged
