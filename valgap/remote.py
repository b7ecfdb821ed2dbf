"""Inputs given as URLs (``s3://``, ``gs://``, ``az://``, ``https://``...): staged into a
temporary folder through fsspec, then analysed like local files and folders, with the
results named by their URLs.

A URL of a folder (a prefix) is listed recursively and its log-like files are copied with
their layout, so run folders (TensorBoard, ``mlruns/``, ``wandb/``) are found as they are
locally. Credentials come from each store's own environment (``AWS_*``, ``GOOGLE_*``,
``AZURE_*``, ``~/.aws``...), never from valgap's options. The protocol packages (``s3fs``,
``gcsfs``, ``adlfs``...) are optional extras: a missing one is one line naming it.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from valgap.model import InputError
from valgap.parsers._text import LOG_SUFFIXES

URL = re.compile(r"^[a-z][a-z0-9+.-]{1,20}://", re.IGNORECASE)
EXTRAS = {"s3": "valgap[s3]", "s3a": "valgap[s3]", "gs": "valgap[gcs]", "gcs": "valgap[gcs]",
          "az": "valgap[azure]", "abfs": "valgap[azure]", "abfss": "valgap[azure]",
          "http": "aiohttp", "https": "aiohttp"}
# what a local walk reads, and the files of stores and runs (mlflow.db, .wandb, meta.yaml)
STAGED_SUFFIXES = LOG_SUFFIXES | {".db", ".wandb", ".yaml"}


def is_url(name: str) -> bool:
    return bool(URL.match(name)) and not name.lower().startswith("file://")


@dataclass
class Staged:
    """Local copies of URL inputs: the local inputs to analyse and how to name them back."""

    inputs: list[str]
    errors: list[InputError] = field(default_factory=list)
    local_to_url: dict[str, str] = field(default_factory=dict)
    folder: str | None = None

    def url_of(self, local: str) -> str:
        """The URL a local path stands for (a file in a staged folder: its own URL)."""
        for root, url in self.local_to_url.items():
            if local == root:
                return url
            if local.startswith(root + "/"):
                return url.rstrip("/") + local[len(root):]
        return local

    def cleanup(self) -> None:
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)


def stage(inputs: list[str], max_bytes: int) -> Staged:
    """Copy every URL input into one temporary folder; local inputs pass unchanged."""
    if not any(is_url(i) for i in inputs):
        return Staged(list(inputs))
    staged = Staged([], folder=tempfile.mkdtemp(prefix="valgap-remote-"))
    try:
        for index, name in enumerate(inputs):
            if not is_url(name):
                staged.inputs.append(name)
                continue
            target = Path(staged.folder) / str(index)
            try:
                local = _fetch(name, target, max_bytes)
            except InputError as exc:
                staged.errors.append(exc)
                continue
            staged.inputs.append(local)
            staged.local_to_url[local] = name
    except BaseException:  # a timeout's alarm, Ctrl-C mid-download: the part is removed
        staged.cleanup()
        raise
    return staged


# one client per store and environment in a process: a bucket of thousands of logs is not
# a new connection (0.35 s against a local S3 server) per object; credentials and
# endpoints are read from the environment, so a changed environment gets a client of its own
_CLIENTS: dict[tuple, object] = {}
CLIENT_ENV = ("AWS_", "GOOGLE_", "GCS", "AZURE_", "FSSPEC_")


def _client(fsspec, url: str):
    protocol = url.split("://", 1)[0].lower()
    if "::" in url or protocol in ("file", "local", "memory"):  # chained, or local
        return fsspec.core.url_to_fs(url, skip_instance_cache=True)
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(CLIENT_ENV)))
    fs_class = fsspec.get_filesystem_class(protocol)
    options = fs_class._get_kwargs_from_urls(url)  # what the URL itself says (ftp's host)
    key = (protocol, repr(sorted(options.items())), env)
    if key not in _CLIENTS:
        _CLIENTS.clear()  # the environment or the server changed: no old client reused
        _CLIENTS[key] = fs_class(skip_instance_cache=True, **options)
    return _CLIENTS[key], fs_class._strip_protocol(url)


def filesystem(url: str):
    """``(fs, path)`` for a URL; a missing package is an InputError naming the extra."""
    protocol = url.split("://", 1)[0].lower()
    try:
        import fsspec
    except ImportError:
        raise InputError("reading URLs needs fsspec and the store's package: pip install "
                         f"'{EXTRAS.get(protocol, 'valgap[remote]')}'", url,
                         code="unrecognised") from None
    try:
        return _client(fsspec, url)
    except (ImportError, ValueError) as exc:
        package = EXTRAS.get(protocol)
        hint = f": pip install '{package}'" if package else ""
        raise InputError(f"no fsspec support for {protocol}://{hint} ({exc})", url,
                         code="unrecognised") from None
    except Exception as exc:  # a client that connects at once (ftp), or wants options
        raise InputError(f"cannot open this URL: {_first(exc)}", url,
                         code="unreadable") from None


def listing(url: str):
    """The folders of a URL prefix, top down: ``(folder URL, subfolder names, file names)``,
    one listing at a time (a bucket of a million logs is never listed whole). Nothing
    if the URL is no folder or cannot be listed: reading it will say why."""
    try:
        fs, path = filesystem(url)
        if not fs.isdir(path):
            return
    except Exception:  # each store's client raises its own errors
        return
    protocol = url.split("://", 1)[0]
    yield from _listing(fs, protocol, path.rstrip("/"))


def _listing(fs, protocol: str, path: str):
    try:
        entries = fs.ls(path, detail=True)
    except Exception:
        return
    base = PurePosixPath(path)
    dirs = sorted(PurePosixPath(e["name"]).name for e in entries if e["type"] == "directory"
                  and PurePosixPath(e["name"]) != base)
    files = sorted(PurePosixPath(e["name"]).name for e in entries if e["type"] != "directory")
    walk_into = list(dirs)
    yield f"{protocol}://{path}", walk_into, files
    for name in walk_into:  # the caller may prune, as with os.walk
        # at the top of a store (s3://) the path is empty: its folders are its buckets
        yield from _listing(fs, protocol, f"{path}/{name}" if path else name)


def _fetch(url: str, target: Path, max_bytes: int) -> str:
    fs, path = filesystem(url)
    try:
        if fs.isdir(path):
            return _fetch_folder(fs, path, target, max_bytes, url)
        if not fs.exists(path):
            raise InputError("no such file or folder", url, code="not-found")
        target.mkdir(parents=True)
        local = target / PurePosixPath(path).name
        _copy(fs, path, local, max_bytes, url)
        _fetch_config(fs, path, target, url)
        return str(local)
    except InputError:
        raise
    except PermissionError as exc:
        raise InputError(f"access denied: {_first(exc)}", url, code="unreadable") from None
    except FileNotFoundError:
        raise InputError("no such file, folder or bucket", url, code="not-found") from None
    except Exception as exc:  # each store's client raises its own errors
        raise InputError(f"cannot read: {_first(exc)}", url, code="unreadable") from None


CONFIG_BYTES = 1 << 20  # a valgap.yaml is a few lines


def _fetch_config(fs, path: str, target: Path, url: str) -> None:
    """The valgap.yaml beside an object, staged beside its copy: the run facts it states
    apply as they do to a local log."""
    from valgap.config import FILE_NAME

    sibling = str(PurePosixPath(path).parent / FILE_NAME)
    try:
        if sibling != path and fs.isfile(sibling):
            _copy(fs, sibling, target / FILE_NAME, CONFIG_BYTES, url)
    except InputError:
        raise
    except Exception:  # no such file, or it cannot be listed: the log is read without it
        return


def _fetch_folder(fs, path: str, target: Path, max_bytes: int, url: str) -> str:
    root = target / (PurePosixPath(path.rstrip("/")).name or "bucket")
    root.mkdir(parents=True)
    total = 0
    for remote in sorted(fs.find(path)):
        relative = PurePosixPath(remote).relative_to(PurePosixPath(path.rstrip("/")))
        name = relative.name
        if ".." in relative.parts or not (relative.suffix.lower() in STAGED_SUFFIXES
                                          or "tfevents" in name):
            continue
        local = root.joinpath(*relative.parts)
        local.parent.mkdir(parents=True, exist_ok=True)
        total += _copy(fs, remote, local, max_bytes - total, url)
    return str(root)


def _copy(fs, remote: str, local: Path, budget: int, url: str) -> int:
    """Stream one object into ``local``; more than ``budget`` bytes is refused."""
    copied = 0
    with fs.open(remote, "rb") as source, open(local, "wb") as sink:
        while block := source.read(1 << 20):
            copied += len(block)
            if copied > budget:
                raise InputError("over the input size limit (--max-input-size)", url,
                                 code="limit")
            sink.write(block)
    return copied


def _first(exc: Exception) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:160]
