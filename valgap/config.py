"""``valgap.yaml``: run facts (``model:``, ``data:``) and rule settings (``rules:``, ``fit:``).

Found beside the log (for a folder input: in it or in the folder that holds it) or given
with ``--config``. Safe-loaded and strictly validated: an unknown key, a wrong type or a
bad value is an error that names the file and line.

    model:   {dropout: 0.5, batchnorm: true, augmentation: false,
              weight_penalty: false, loss_weighting: false}
    data:    {n_train: 38140, n_val: 9520, split: random}
    rules:   {noise: disable, leakage: {confidence: 0.6}, epoch-averaging: enable}
    fit:     {underfit_gain: 0.1}
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from valgap import rules
from valgap.fit import FitConfig
from valgap.model import Facts

if TYPE_CHECKING:
    import yaml

FILE_NAME = "valgap.yaml"
SPLITS = ("random", "time-ordered", "grouped", "unknown")
MODEL_KEYS = ("dropout", "batchnorm", "augmentation", "weight_penalty", "loss_weighting")
DATA_KEYS = ("n_train", "n_val", "split")


class ConfigError(Exception):
    """A problem in valgap.yaml, already phrased as ``file:line: what``."""


@dataclass
class Config:
    facts: Facts = field(default_factory=Facts)
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    disabled: set[str] = field(default_factory=set)
    fit: FitConfig = field(default_factory=FitConfig)
    path: str | None = None

    def rule_options(self, rule_id: str) -> dict[str, Any]:
        module = rules.get(rule_id)
        base = dict(module.DEFAULT) if module else {}
        base.update(self.options.get(rule_id, {}))
        return base


def find(input_name: str, named: str | None = None) -> Path | None:
    """The valgap.yaml that belongs to an input, if there is one.

    Beside the log; for a folder, in it or in the folder holding it. A run found inside a
    folder the user named (``valgap analyze logs/``) also sees the files on the way up to it.
    """
    if input_name == "-":
        candidates = [Path.cwd() / FILE_NAME]
    else:
        path = Path(input_name)
        folder_input = _is_dir(path)
        start = path if folder_input else path.parent
        candidates = [start / FILE_NAME]
        top = Path(named) if named and named != input_name else start
        if folder_input:
            top = top.parent
        folder = start
        while folder != top and top in folder.parents:
            folder = folder.parent
            candidates.append(folder / FILE_NAME)
    for candidate in candidates:
        try:
            if candidate.is_file():
                return candidate
        except OSError as exc:  # a folder on the way that cannot be searched
            raise ConfigError(f"{candidate.parent}: cannot look for {FILE_NAME}: "
                              f"{exc.strerror or exc}") from None
    return None


MAX_BYTES = 1 << 20   # a valgap.yaml is a few lines; a larger file is not one
MAX_DEPTH = 16        # the deepest real valgap.yaml is 3 levels
MAX_COUNT = 10**12    # split sizes: past any real data set
SHOWN = 60            # characters of a bad value quoted in a message


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # cannot be looked at: the search for valgap.yaml beside it says why
        return False


def load(path: Path | None) -> Config:
    if path is None:
        return Config()
    name = str(path)
    text = _read(path, name)
    import yaml  # only where a valgap.yaml is read: most runs have none

    try:
        _check_shape(text, name)
        root = yaml.compose(text, Loader=_loader())
        data = yaml.load(text, Loader=_loader())
    except yaml.YAMLError as exc:
        raise ConfigError(_yaml_message(exc, name, text)) from None
    if data is None:
        return Config(path=name)
    return _Validator(name, root).config(data)


def _read(path: Path, name: str) -> str:
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{name}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise ConfigError(f"{name}: larger than {MAX_BYTES >> 10} KiB: not a valgap.yaml")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ConfigError(f"{name}:{line}: not UTF-8 text") from None


@functools.cache
def _loader() -> type:
    """The safe loader, with integers too long for any setting refused with their line
    (Python will not convert more than 4,300 digits, and no setting needs 20)."""
    import yaml

    class Loader(yaml.SafeLoader):
        def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
            digits = node.value.replace("_", "").lstrip("+-")
            if len(digits) > 20:
                raise yaml.constructor.ConstructorError(
                    None, None, f"a number of {len(digits)} digits is too large",
                    node.start_mark)
            return super().construct_yaml_int(node)

        def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
            # PyYAML's resolver takes some strings for floats that float() refuses ("1}")
            try:
                return super().construct_yaml_float(node)
            except ValueError:
                raise yaml.constructor.ConstructorError(
                    None, None, f"{node.value[:40]!r} is not a number",
                    node.start_mark) from None

    Loader.add_constructor("tag:yaml.org,2002:int", Loader.construct_yaml_int)
    Loader.add_constructor("tag:yaml.org,2002:float", Loader.construct_yaml_float)
    return Loader


def _check_shape(text: str, name: str) -> None:
    """Nesting depth and size, from the event stream (which, unlike composing, does not
    recurse): PyYAML's composer recurses once per level and an alias repeats a subtree."""
    import yaml

    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise ConfigError(f"{name}:{event.start_mark.line + 1}: nested more than "
                                  f"{MAX_DEPTH} levels deep: not a valgap.yaml")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _yaml_message(exc: yaml.YAMLError, name: str, text: str) -> str:
    """One line: ``file:line: not valid YAML: problem``."""
    import yaml

    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = getattr(exc, "problem", None)
    if isinstance(exc, yaml.reader.ReaderError):  # a control character such as NUL
        line = text[:exc.position].count("\n") + 1
        problem = f"character {exc.character!r} is not allowed"
    where = f"{name}:{line}" if line else name
    detail = " ".join(str(problem or exc).split())
    return f"{where}: not valid YAML: {detail[:200]}"


def brief(value: Any) -> str:
    """A value quoted in a message, cut to a readable length."""
    if isinstance(value, str) and len(value) > SHOWN:
        return f"{value[:SHOWN]!r}... ({len(value)} characters)"
    text = repr(value)
    return text if len(text) <= SHOWN else text[:SHOWN] + "..."


class _Validator:
    def __init__(self, name: str, root: yaml.Node | None) -> None:
        self.name = name
        self.lines: dict[tuple[str, ...], int] = {}
        if root is not None:
            self._index(root, ())

    def _index(self, node: yaml.Node, path: tuple[str, ...]) -> None:
        """Line of every key path. Only the levels a valgap.yaml has (3) are walked, and
        each node once: aliases repeat nodes, and re-walking them grows exponentially."""
        import yaml

        seen: set[int] = set()
        stack = [(node, path)]
        while stack:
            node, path = stack.pop()
            self.lines.setdefault(path, node.start_mark.line + 1)
            if not isinstance(node, yaml.MappingNode) or id(node) in seen or len(path) >= 3:
                continue
            seen.add(id(node))
            for key, value in node.value:
                sub = (*path, str(key.value)[:SHOWN])
                self.lines[sub] = key.start_mark.line + 1
                stack.append((value, sub))

    def fail(self, path: tuple[str, ...], message: str) -> ConfigError:
        line = self.lines.get(path) or self.lines.get(path[:-1]) or 1
        dotted = ".".join(path)
        return ConfigError(f"{self.name}:{line}: {dotted}: {message}" if dotted else
                           f"{self.name}:{line}: {message}")

    def mapping(self, value: Any, path: tuple[str, ...], known: tuple[str, ...]) -> dict:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping, got {type(value).__name__}")
        for key in value:
            if str(key) not in known:
                raise self.fail((*path, str(key)[:SHOWN]),
                                "unknown key" + _suggest(str(key)[:SHOWN], known))
        return value

    def config(self, data: Any) -> Config:
        top = self.mapping(data, (), ("model", "data", "rules", "fit"))
        cfg = Config(path=self.name)
        for key, value in self.mapping(top.get("model") or {}, ("model",), MODEL_KEYS).items():
            setattr(cfg.facts, key, self.model_value(key, value))
            cfg.facts.origin[key] = FILE_NAME
        for key, value in self.mapping(top.get("data") or {}, ("data",), DATA_KEYS).items():
            setattr(cfg.facts, key, self.data_value(key, value))
            cfg.facts.origin[key] = FILE_NAME
        self.rules(top.get("rules") or {}, cfg)
        cfg.fit = self.fit(top.get("fit") or {})
        return cfg

    def model_value(self, key: str, value: Any) -> Any:
        path = ("model", key)
        if key == "dropout" and not isinstance(value, bool):
            if isinstance(value, (int, float)) and 0 <= value < 1:
                return float(value)
            raise self.fail(path, f"expected a rate in [0, 1) or true/false, got {brief(value)}")
        if not isinstance(value, bool):
            raise self.fail(path, f"expected true or false, got {brief(value)}")
        return value

    def data_value(self, key: str, value: Any) -> Any:
        path = ("data", key)
        if key == "split":
            if value not in SPLITS:
                raise self.fail(path, f"expected one of {', '.join(SPLITS)}, got {brief(value)}")
            return value
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_COUNT:
            raise self.fail(path, f"expected a positive whole number (at most {MAX_COUNT:.0e}), "
                                  f"got {brief(value)}")
        return value

    def rules(self, section: Any, cfg: Config) -> None:
        known = tuple(rules.RULES)
        for rule_id, value in self.mapping(section, ("rules",), known).items():
            path = ("rules", rule_id)
            if value in ("disable", False):
                cfg.disabled.add(rule_id)
            elif value in ("enable", True):
                continue
            elif isinstance(value, dict):
                cfg.options[rule_id] = self.rule_options(rule_id, value, path, cfg)
            else:
                raise self.fail(path, f"expected enable, disable or a mapping of options, "
                                      f"got {brief(value)}")

    def rule_options(self, rule_id: str, value: dict, path: tuple[str, ...],
                     cfg: Config) -> dict:
        defaults = rules.RULES[rule_id].DEFAULT
        options = {}
        for key, option in self.mapping(value, path, (*defaults, "enabled")).items():
            if key == "enabled":
                if not isinstance(option, bool):
                    raise self.fail((*path, key), f"expected true or false, got {brief(option)}")
                if not option:
                    cfg.disabled.add(rule_id)
                continue
            options[key] = self.number(option, defaults[key], (*path, key))
        return options

    def number(self, value: Any, default: Any, path: tuple[str, ...]) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                not 0 <= value <= 1e6:  # NaN fails this test too
            raise self.fail(path, f"expected a number from 0 to 1e6, got {brief(value)}")
        if path[-1].endswith("confidence") and value > 1:
            raise self.fail(path, f"a confidence lies in [0, 1], got {brief(value)}")
        return type(default)(value) if isinstance(default, float) else value

    def fit(self, section: Any) -> FitConfig:
        names = tuple(f.name for f in fields(FitConfig))
        values = self.mapping(section, ("fit",), names)
        defaults = FitConfig()
        return FitConfig(**{k: float(self.number(v, getattr(defaults, k), ("fit", k)))
                            for k, v in values.items()})


def _suggest(key: str, known: tuple[str, ...]) -> str:
    import difflib  # only for a key valgap does not know

    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    # the error is one short line: a long list (the fit's thresholds) is cut, with a count
    listed = ", ".join(known[:KNOWN_LISTED])
    more = f" and {len(known) - KNOWN_LISTED} more" if len(known) > KNOWN_LISTED else ""
    return f"{hint}; known: {listed}{more}"


KNOWN_LISTED = 8  # keys an "unknown key" error lists
