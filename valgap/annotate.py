"""``--annotate``: the verdict of each analysed MLflow run set as tags on that run, so that
it shows in the MLflow UI. The one place valgap writes anything; it never touches metrics
or artifacts. Needs the mlflow client (``valgap[mlflow]``)."""
from __future__ import annotations

import logging
import os
from typing import IO

from valgap._safe import printable
from valgap.model import Result

VERDICT_CHARS = 5000  # MLflow keeps tag values up to this length
TAG_KEYS = ("valgap.fit", "valgap.cause", "valgap.verdict")


def tags(result: Result) -> dict[str, str]:
    """The tags of one result: its fit class, its first cause and its verdict."""
    return dict(zip(TAG_KEYS, (result.fit.fit or "none",
                               result.causes[0].rule if result.causes else "none",
                               result.verdict[:VERDICT_CHARS])))


class Annotator:
    """Tags each analysed MLflow run as its result comes; a failure is one line."""

    def __init__(self, err: IO[str]) -> None:
        self.err = err
        self.client_class = None
        self.missing = False
        self.tagged = self.failed = 0

    def add(self, result: Result) -> None:
        if result.error is not None or result.run is None or not result.run.info.tracker \
                or result.fit is None or self.missing:
            return
        where = result.run.info.tracker
        if "copy_of" in where:
            self.failed += 1
            self.err.write(f"valgap: cannot annotate MLflow run {where['run_id']}: it was read "
                           f"from a copy of {printable(where['copy_of'])}; annotate it through "
                           "its tracking server (--mlflow URI --experiment NAME --annotate)\n")
            return
        if self.client_class is None:
            try:
                from mlflow.tracking import MlflowClient
            except ImportError:
                self.missing = True
                self.failed += 1
                self.err.write("valgap: --annotate needs the mlflow client: pip install "
                               "'valgap[mlflow]'\n")
                return
            self.client_class = MlflowClient
            # tagging a store that already exists: MLflow 3 refuses file stores unless told
            # (it keeps them in maintenance), and logs its SQL store's set-up at INFO
            os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
            logging.getLogger("mlflow").setLevel(logging.WARNING)
        try:
            client = self.client_class(tracking_uri=where["uri"])
            for key, value in tags(result).items():
                client.set_tag(where["run_id"], key, value)
            self.tagged += 1
        except Exception as exc:  # the client's errors are many (HTTP, SQL, files)
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
            self.failed += 1
            self.err.write(f"valgap: cannot annotate MLflow run {where['run_id']}: "
                           f"{printable(first)}\n")

    def finish(self) -> None:
        """What was tagged, in one line (nothing to tag is said too)."""
        keys = ", ".join(TAG_KEYS)
        if self.tagged:
            self.err.write(f"valgap: tagged {self.tagged} MLflow run(s) with {keys}\n")
        elif not self.failed:
            self.err.write("valgap: --annotate: no MLflow run among the inputs, nothing "
                           "tagged\n")
