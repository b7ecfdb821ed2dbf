"""A history pickled by Python or saved by NumPy: ``pickle.dump(history.history, f)``
(``history.pkl``, as the TensorFlow courses save it) and ``np.save("history.npy",
history.history)`` (a dict in a NumPy object array), read as a saved history is
(``memory``).

A pickle can name any function to call while it is loaded: valgap never runs one. Its
loader accepts only plain values (dicts, lists, numbers, strings) and NumPy's own arrays,
dtypes and scalars; anything else it names (a Keras ``History`` object, a model, a
DataFrame) stops the reading at that name, before anything else in the file is read.
"""
from __future__ import annotations

import numbers
import pickle
import warnings

from valgap.model import InputError, Run
from valgap.parsers import memory
from valgap.parsers._text import Source

NAME = "history-pickle"
NPY_MAGIC = b"\x93NUMPY"
PICKLE_PROTOCOLS = b"\x02\x03\x04\x05"  # what pickle.dump writes since Python 3.0

# the only names a history's pickle may call: NumPy rebuilding its arrays and scalars
# (under numpy.core before NumPy 2, numpy._core since)
ALLOWED = frozenset({
    ("numpy", "dtype"), ("numpy", "ndarray"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("collections", "OrderedDict"),
    ("_codecs", "encode"),  # a protocol 2 pickle's bytes: text encoded back (latin-1)
})


def is_pickled(head: bytes) -> bool:
    """Bytes that open as a pickle of protocol 2 or later, or as a NumPy ``.npy`` file."""
    return head.startswith(NPY_MAGIC) or (head[:1] == b"\x80" and head[1:2] != b""
                                          and head[1:2] in PICKLE_PROTOCOLS)


def sniff(head: str) -> float:
    """Text never is (detection looks at the bytes: ``is_pickled``)."""
    return 0.0


class _Refused(Exception):
    """A pickle names something outside ``ALLOWED``."""


class _PlainUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in ALLOWED:
            raise _Refused(f"{module}.{name}")
        with warnings.catch_warnings():  # numpy.core, as NumPy 1 pickles name it
            warnings.simplefilter("ignore", DeprecationWarning)
            return super().find_class(module, name)

    def persistent_load(self, pid):  # PyTorch's tensors, stored beside the pickle
        raise _Refused("an object stored outside the pickle")


def parse(source: Source, train_col: str | None = None,
          val_col: str | None = None) -> list[Run]:
    with source.open_binary() as stream:  # bounded by --max-bytes
        history = _load(stream, source.name)
    _check_sizes(history, source.name)
    history = _plain(history)
    if isinstance(history, (list, tuple)) and history and all(
            isinstance(v, numbers.Number) for v in history):
        raise InputError(f"a pickled list of {len(history)} numbers with no names: valgap "
                         "cannot tell a training from a validation loss in it; pickle both "
                         "as a dict ({'loss': [...], 'val_loss': [...]})", source.name,
                         code="unrecognised")
    runs = memory.parse(history, source.name, train_col, val_col)
    for run in runs:
        run.info.format = NAME
        run.info.notes.append("a saved history read with only plain values and NumPy arrays "
                              "allowed: nothing named in it was run")
    return runs


def _load(stream, name: str) -> object:
    import numpy  # noqa: F401  (imported here, not inside the loader's call to find_class)

    head = stream.read(len(NPY_MAGIC))
    data = stream
    try:
        if head == NPY_MAGIC:
            return _npy(data, name)
        return _PlainUnpickler(_Prefixed(head, data), encoding="latin1").load()
    except _Refused as exc:
        raise InputError(_refusal(str(exc)), name, code="unrecognised") from None
    except InputError:
        raise
    except Exception as exc:  # a truncated or corrupt pickle: pickle raises many types
        raise InputError(f"not a pickle valgap can read: {type(exc).__name__}: "
                         f"{str(exc)[:120]}", name, code="unrecognised") from None


def _npy(data, name: str) -> object:
    """An ``.npy`` file's array: an object array (a pickled dict: ``np.save`` of
    ``history.history``) unpickled as above; an array of numbers has no names to say which
    is a loss."""
    import numpy as np
    from numpy.lib import format as npy

    version = npy.read_magic(_Prefixed(NPY_MAGIC, data))
    read_header = npy.read_array_header_1_0 if version == (1, 0) else \
        npy.read_array_header_2_0
    shape, _, dtype = read_header(data)
    if dtype != np.dtype(object):
        raise InputError(f"a NumPy array of {dtype} {shape} with no names: valgap cannot tell "
                         "a training from a validation loss in it; save the history as a dict "
                         "(np.save of history.history) or as a CSV with a header", name,
                         code="unrecognised")
    return _PlainUnpickler(data, encoding="latin1").load()


MAX_VALUES = 10_000_000  # more values than any history holds: a pickle built to fill memory


def _check_sizes(history: object, name: str) -> None:
    """Refuses what a pickle can make huge from few bytes: arrays of elements of no size
    (a billion of them cost nothing until listed) and more values than a history holds."""
    import numpy as np

    count, stack = 0, [history]
    while stack:
        value = stack.pop()
        count += 1
        if isinstance(value, np.ndarray):
            if value.size and value.dtype.itemsize == 0:
                raise InputError(f"an array of {value.size} elements of no size: not a "
                                 "history", name, code="unrecognised")
            count += value.size
            if value.dtype.kind == "O":
                stack.extend(value.ravel().tolist())
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
        if count > MAX_VALUES:
            raise InputError(f"more than {MAX_VALUES:,} values in the pickle: more than a "
                             "history holds; not read", name, code="limit")


def _plain(history: object) -> object:
    """A NumPy object array holding the history (``np.save`` of a dict): the history; its
    arrays of numbers as lists."""
    import numpy as np

    if isinstance(history, np.ndarray):
        history = history.item() if history.shape == () else history.tolist()
    if isinstance(history, dict):
        return {key: value.tolist() if isinstance(value, np.ndarray) else value
                for key, value in history.items()}
    return history


def _refusal(named: str) -> str:
    if named.startswith("keras.") and named.endswith("History"):
        return ("a pickled Keras History object: valgap does not load objects (loading "
                "runs their code); pickle history.history, its dict of lists, instead")
    return (f"a pickle of {named}, not a saved history: valgap loads only plain values and "
            "NumPy arrays from a pickle (loading anything else runs its code)")


class _Prefixed:
    """Bytes already read, then the rest of a stream."""

    def __init__(self, prefix: bytes, rest) -> None:
        self.prefix, self.rest = prefix, rest

    def read(self, size: int = -1) -> bytes:
        if not self.prefix:
            return self.rest.read(size)
        if size < 0:
            data, self.prefix = self.prefix + self.rest.read(), b""
            return data
        data, self.prefix = self.prefix[:size], self.prefix[size:]
        return data + (self.rest.read(size - len(data)) if len(data) < size else b"")

    def readline(self, size: int = -1) -> bytes:
        if b"\n" in self.prefix:
            cut = self.prefix.index(b"\n") + 1
            line, self.prefix = self.prefix[:cut], self.prefix[cut:]
            return line
        line, self.prefix = self.prefix, b""
        return line + self.rest.readline(size)
