"""A history pickled by Python or saved by NumPy: ``pickle.dump(history.history, f)``
(``history.pkl``, as the TensorFlow courses save it) and ``np.save("history.npy",
history.history)`` (a dict in a NumPy object array), read as a saved history is
(``memory``).

A PyTorch checkpoint saved with ``torch.save`` (a zip holding ``data.pkl``: ``{"epoch": 9,
"model_state_dict": ..., "train_losses": [...], "val_losses": [...]}``) is read the same
way, from its pickle alone: each tensor stands as an opaque value, except a tensor of one
number (a loss appended without ``.item()``), whose number is read from the archive's
bytes. PyTorch itself is never imported.

A pickle can name any function to call while it is loaded: valgap never runs one. Its
loader accepts only plain values (dicts, lists, numbers, strings) and NumPy's own arrays,
dtypes and scalars (and in a checkpoint, PyTorch's names, each answered by valgap's own
stand-in); anything else it names (a Keras ``History`` object, a model, a DataFrame) stops
the reading at that name, before anything else in the file is read.
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


ZIP_MAGIC = b"PK\x03\x04"
TORCH_PICKLE = b"data.pkl"  # the first entry of torch.save's archive: <name>/data.pkl


def is_pickled(head: bytes) -> bool:
    """Bytes that open as a pickle of protocol 2 or later, a NumPy ``.npy`` file or a
    ``torch.save`` archive (``head``: the input's first bytes, as many as the caller has;
    an archive's first entry name is looked for in its first few hundred)."""
    return head.startswith(NPY_MAGIC) or (head[:1] == b"\x80" and head[1:2] != b""
                                          and head[1:2] in PICKLE_PROTOCOLS) or \
        (head.startswith(ZIP_MAGIC) and TORCH_PICKLE in head[30:30 + 512])


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
    checkpoint = source.head(len(ZIP_MAGIC)) == ZIP_MAGIC
    history = _read(source, checkpoint)
    _check_sizes(history, source.name)
    history = _plain(history)
    _refuse_nameless(history, source.name)
    try:
        runs = memory.parse(history, source.name, train_col, val_col)
    except InputError as exc:
        if not checkpoint:
            raise
        keys = ", ".join(str(k) for k in history)[:120] if isinstance(history, dict) else ""
        raise InputError(f"a PyTorch checkpoint with no loss curve in it (its keys: {keys}); "
                         "valgap reads the lists of losses a checkpoint holds "
                         "(train_losses, val_losses)", source.name,
                         code="unrecognised") from exc
    for run in runs:
        run.info.format = NAME
        run.info.notes.append("a saved history read with only plain values and NumPy arrays "
                              "allowed: nothing named in it was run")
    return runs


def _refuse_nameless(history: object, name: str) -> None:
    """A pickle of numbers with no names, or of a single value, holds no history to read."""
    if isinstance(history, (list, tuple)) and history and all(
            isinstance(v, numbers.Number) for v in history):
        raise InputError(f"a pickled list of {len(history)} numbers with no names: valgap "
                         "cannot tell a training from a validation loss in it; pickle both "
                         "as a dict ({'loss': [...], 'val_loss': [...]})", name,
                         code="unrecognised")
    if not isinstance(history, (dict, list, tuple)):
        raise InputError(f"a pickle of {type(history).__name__} {str(history)[:40]}, not a "
                         "saved history (a dict of lists)", name, code="unrecognised")


def _read(source: Source, checkpoint: bool) -> object:
    """The object the input holds, loaded as the module's docstring says: a checkpoint's
    archive from the file itself where there is one (its directory is at its end: seek
    there), else held whole; an ``.npy`` file or a pickle from its stream."""
    import io

    import numpy  # noqa: F401  (imported here, not inside the loader's call to find_class)

    name = source.name
    try:
        if checkpoint and source.is_plain_file():
            with open(name, "rb") as archive:
                return _checkpoint(archive, name)
        with source.open_binary() as stream:  # bounded by --max-bytes
            if checkpoint:
                return _checkpoint(io.BytesIO(stream.read()), name)
            if source.head(len(NPY_MAGIC)) == NPY_MAGIC:
                return _npy(stream, name)
            return _PlainUnpickler(stream, encoding="latin1").load()
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

    version = npy.read_magic(data)
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


# torch.save's storage classes, by the dtype of their bytes
STORAGE_DTYPES = {"DoubleStorage": "<f8", "FloatStorage": "<f4", "HalfStorage": "<f2",
                  "BFloat16Storage": "bfloat16", "LongStorage": "<i8", "IntStorage": "<i4",
                  "ShortStorage": "<i2", "CharStorage": "i1", "ByteStorage": "u1",
                  "BoolStorage": "?"}
MAX_CHECKPOINT_PICKLE = 256 << 20  # a checkpoint's pickle, its tensors' bytes apart


def _checkpoint(file, name: str) -> object:
    """A ``torch.save`` archive's object (``file``: seekable), from its ``data.pkl`` alone."""
    import io
    import zipfile

    with zipfile.ZipFile(file) as archive:
        pickles = [i for i in archive.infolist() if i.filename.rsplit("/", 1)[-1] == "data.pkl"]
        if not pickles:
            raise InputError("a zip archive with no data.pkl: not a torch.save checkpoint",
                             name, code="unrecognised")
        entry = pickles[0]
        if entry.file_size > MAX_CHECKPOINT_PICKLE:
            raise InputError("the checkpoint's pickle is larger than a history's "
                             f"({entry.file_size:,} bytes): not read", name, code="limit")
        prefix = entry.filename[:-len("data.pkl")]
        return _TorchUnpickler(io.BytesIO(archive.read(entry)), archive, prefix).load()


class _Opaque:
    """What a checkpoint's PyTorch object stands as: a value with nothing to read."""

    def __new__(cls, *args, **kwargs):
        return super().__new__(cls)

    def __init__(self, *args, **kwargs) -> None:
        pass

    def __setstate__(self, state) -> None:
        pass


class _StorageType(_Opaque):
    """A storage class named by a checkpoint (``torch.FloatStorage``): its bytes' dtype."""

    def __init__(self, name: str) -> None:
        self.dtype = STORAGE_DTYPES.get(name)


class _Storage:
    """A tensor's bytes in the archive (``<name>/data/<key>``), read only when one number
    of it is needed."""

    def __init__(self, archive, prefix: str, kind, key: str) -> None:
        self.archive, self.path = archive, f"{prefix}data/{key}"
        self.dtype = kind.dtype if isinstance(kind, _StorageType) else None

    def numbers(self, offset: int, count: int) -> list[float] | None:
        """``count`` numbers from element ``offset`` on (None where the bytes fall short)."""
        import numpy as np

        if self.dtype is None or offset < 0 or count < 1 or offset + count > MAX_VALUES:
            return None
        size = 2 if self.dtype == "bfloat16" else np.dtype(self.dtype).itemsize
        try:  # only the bytes up to the numbers, decompressed as they are read
            with self.archive.open(self.path) as entry:
                raw = entry.read(size * (offset + count))[size * offset:]
        except KeyError:  # no such entry
            return None
        if len(raw) != size * count:
            return None
        if self.dtype == "bfloat16":  # the high half of a float32
            wide = np.zeros(count, "<u4")
            wide[:] = np.frombuffer(raw, "<u2").astype("<u4") << 16
            return wide.view("<f4").astype(float).tolist()
        return np.frombuffer(raw, self.dtype).astype(float).tolist()


def _rebuild_tensor(storage, offset=0, size=(), stride=(), *rest):
    """``torch._utils._rebuild_tensor_v2``'s stand-in: one number where the tensor holds
    one (a loss appended without ``.item()``), a list of numbers for a contiguous vector (a
    tensor of losses), else an opaque value."""
    if not (isinstance(storage, _Storage) and isinstance(offset, int)
            and isinstance(size, tuple) and all(isinstance(d, int) for d in size)):
        return _Opaque()
    count = 1
    for dim in size:
        count *= dim
    if count == 1:
        found = storage.numbers(offset, 1)
        return found[0] if found else _Opaque()
    if len(size) == 1 and stride == (1,):
        return storage.numbers(offset, count) or _Opaque()
    return _Opaque()


def _first(value=None, *rest):
    """``torch._utils._rebuild_parameter``'s stand-in: the tensor it wraps."""
    return value


TORCH_STAND_INS = {"_rebuild_tensor_v2": _rebuild_tensor, "_rebuild_tensor": _rebuild_tensor,
                   "_rebuild_parameter": _first, "_rebuild_parameter_with_state": _first}


class _TorchUnpickler(_PlainUnpickler):
    """A checkpoint's pickle: PyTorch's names answered by the stand-ins above."""

    def __init__(self, file, archive, prefix: str) -> None:
        super().__init__(file, encoding="latin1")
        self.archive, self.prefix = archive, prefix

    def find_class(self, module: str, name: str):
        if module.split(".")[0] != "torch":
            return super().find_class(module, name)
        if module == "torch" and name.endswith("Storage"):
            return _StorageType(name)
        return TORCH_STAND_INS.get(name, _Opaque)

    def persistent_load(self, pid):
        if isinstance(pid, tuple) and len(pid) >= 3 and pid[0] == "storage":
            return _Storage(self.archive, self.prefix, pid[1], str(pid[2]))
        raise _Refused("an object stored outside the pickle")


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
