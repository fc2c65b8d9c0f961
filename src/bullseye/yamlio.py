"""YAML files validated by pydantic models, with errors that name the file, the key and the line.

Definition files are edited by hand and will come from many people through the web workspace, so
they are read defensively: a size cap before parsing, strict UTF-8, a nesting-depth cap while
composing, and a cap on the size of the document once aliases are expanded (a "billion laughs"
file is a few hundred bytes that expands to billions of nodes). Every refusal is one ConfigError
naming the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bullseye.errors import ConfigError

__all__ = [
    "load_model",
    "dump_model",
    "format_validation_error",
    "parse_yaml",
    "read_yaml",
    "read_yaml_file",
    "MAX_YAML_BYTES",
    "MAX_YAML_DEPTH",
    "MAX_YAML_NODES",
]

Model = TypeVar("Model", bound=BaseModel)

#: Definition and settings files are small; anything larger is refused before it is parsed.
MAX_YAML_BYTES = 5 * 1024 * 1024
#: Nesting deeper than this is no hand-written definition (and would exhaust Python's stack).
MAX_YAML_DEPTH = 64
#: Nodes in the document with every alias expanded: generous for real files, tiny next to a bomb.
MAX_YAML_NODES = 250_000


class _LimitedLoader(yaml.SafeLoader):
    """The safe loader, refusing nesting deeper than ``MAX_YAML_DEPTH`` while it composes."""

    def __init__(self, stream: str, source: str) -> None:
        super().__init__(stream)
        self._source = source
        self._depth = 0

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark
                raise ConfigError(
                    f"{self._source}:{mark.line + 1}: nested deeper than {MAX_YAML_DEPTH} levels; "
                    "a definition file is never this deep"
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node, deep=False):  # noqa: ANN001 - PyYAML's signature
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as exc:  # e.g. a timestamp such as 2024-13-45, with its line
            raise ConfigError(f"{self._source}:{node.start_mark.line + 1}: a value cannot be read ({exc})") from exc


def _expanded_size(root: yaml.Node, source: str) -> int:
    """Nodes in the document with aliases expanded, without expanding them (memoised per node).

    Raises ConfigError for a recursive alias or a document above ``MAX_YAML_NODES``.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    # An explicit stack: the depth is already capped, but this never recurses in Python at all.
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[key] = 1
            continue
        children = (
            [part for pair in node.value for part in pair] if isinstance(node, yaml.MappingNode) else list(node.value)
        )
        if children_done:
            on_path.discard(key)
            total = 1 + sum(sizes[id(child)] for child in children)
            if total > MAX_YAML_NODES:
                raise ConfigError(
                    f"{source}: has more than {MAX_YAML_NODES:,} values once its aliases (*name) are "
                    "expanded; refusing it (a definition is far smaller; is it a 'billion laughs' file?)"
                )
            sizes[key] = total
            continue
        if key in on_path:
            raise ConfigError(
                f"{source}:{node.start_mark.line + 1}: an alias refers to the node that contains it; "
                "recursive YAML is not supported"
            )
        on_path.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in on_path:
                raise ConfigError(
                    f"{source}:{child.start_mark.line + 1}: an alias refers to a node that contains "
                    "it; recursive YAML is not supported"
                )
            if id(child) not in sizes:
                stack.append((child, False))
    return sizes[id(root)]


#: libyaml when PyYAML was built with it: far faster, and its scanner stays linear on deep nesting.
_FAST_LOADER = getattr(yaml, "CSafeLoader", None)
_OPENS = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSES = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def _not_valid(exc: yaml.YAMLError, source: str) -> ConfigError:
    mark = getattr(exc, "problem_mark", None)
    where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
    problem = getattr(exc, "problem", None) or exc
    if "nesting depth" in str(problem):
        return ConfigError(f"{where}: nested deeper than {MAX_YAML_DEPTH} levels; a definition file is never this deep")
    return ConfigError(f"{where}: not valid YAML ({problem})")


def _check_depth(text: str, source: str) -> None:
    """Refuse deep nesting from the event stream, before anything recursive sees the document."""
    if _FAST_LOADER is None:
        return  # the pure-Python loader checks the depth while it composes
    loader, depth = _FAST_LOADER(text), 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, _OPENS):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    raise ConfigError(
                        f"{source}:{event.start_mark.line + 1}: nested deeper than {MAX_YAML_DEPTH} "
                        "levels; a definition file is never this deep"
                    )
            elif isinstance(event, _CLOSES):
                depth -= 1
    except yaml.YAMLError as exc:
        raise _not_valid(exc, source) from exc
    finally:
        loader.dispose()


def _compose(text: str, source: str) -> yaml.Node | None:
    _check_depth(text, source)
    loader = _FAST_LOADER(text) if _FAST_LOADER is not None else _LimitedLoader(text, source)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError as exc:
        raise _not_valid(exc, source) from exc
    except RecursionError:
        raise ConfigError(f"{source}: nested too deeply to read") from None
    finally:
        loader.dispose()
    if node is not None:
        _expanded_size(node, source)
    return node


def _construct(node: yaml.Node | None, source: str) -> Any:
    if node is None:
        return None
    loader = _LimitedLoader("", source)
    try:
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise _not_valid(exc, source) from exc
    except (ValueError, OverflowError) as exc:  # e.g. a timestamp such as 2024-13-45
        raise ConfigError(f"{source}: a value cannot be read ({exc})") from exc
    finally:
        loader.dispose()


def parse_yaml(text: str, source: str = "<text>") -> Any:
    """``text`` parsed like ``yaml.safe_load``, within the depth and expansion limits above."""
    return _construct(_compose(text, source), source)


def read_yaml_file(path: Path) -> tuple[str, yaml.Node | None]:
    """The text of a definition file and its composed (checked) document, or one ConfigError."""
    source = str(path)
    try:
        if path.is_dir():
            raise ConfigError(f"{source}: is a directory; expected a YAML file")
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            raise ConfigError(
                f"{source}: {size / 1e6:.1f} MB is too large for a definition file "
                f"(at most {MAX_YAML_BYTES / 1e6:.0f} MB)"
            )
        raw = path.read_bytes()[: MAX_YAML_BYTES + 1]  # it may have grown since stat
    except FileNotFoundError:
        raise ConfigError(f"{source}: file not found") from None
    except PermissionError:
        raise ConfigError(f"{source}: permission denied; cannot read it") from None
    except OSError as exc:
        raise ConfigError(f"{source}: cannot be read ({exc.strerror or exc})") from None
    if len(raw) > MAX_YAML_BYTES:
        raise ConfigError(f"{source}: too large for a definition file (at most {MAX_YAML_BYTES / 1e6:.0f} MB)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError(
            f"{source}:{line}:{column}: not UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, _compose(text, source)


def read_yaml(path: Path) -> Any:
    """A YAML file's data (like ``yaml.safe_load``), read within every limit above."""
    _, node = read_yaml_file(Path(path))
    return _construct(node, str(path))


def _key_lines(root: yaml.Node | None) -> dict[tuple[str, ...], int]:
    """Map each key path in a composed YAML document to its 1-based line number.

    Aliased nodes are visited once (their first path), so this is linear in the file's size.
    """
    lines: dict[tuple[str, ...], int] = {}
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, tuple[str, ...]]] = [(root, ())] if root is not None else []
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key_path = path + (str(key_node.value),)
                lines.setdefault(key_path, key_node.start_mark.line + 1)
                stack.append((value_node, key_path))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                item_path = path + (str(index),)
                lines.setdefault(item_path, item.start_mark.line + 1)
                stack.append((item, item_path))
    return lines


def format_validation_error(path: Path | str, error: ValidationError, text: str | yaml.Node | None = "") -> str:
    """One line per problem, ``file:line: key 'a.b.0.c': what was expected``, joined by '; '.

    ``text`` is the file's YAML text or its composed document (to find the lines of keys).
    """
    if isinstance(text, str):
        try:
            text = _compose(text, str(path)) if text else None
        except ConfigError:
            text = None
    key_lines = _key_lines(text)
    parts = []
    for item in error.errors():
        loc = tuple(str(p) for p in item["loc"])
        key = ".".join(loc) or "(top level)"
        line = _nearest_line(key_lines, loc)
        where = f"{path}:{line}" if line else str(path)
        if item["type"] == "extra_forbidden":
            message = f"unknown key '{key}'"
        elif item["type"] == "missing":
            message = f"missing required key '{key}'"
        else:
            message = f"key '{key}': {item['msg']}"
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def _nearest_line(key_lines: dict[tuple[str, ...], int], loc: tuple[str, ...]) -> int | None:
    # pydantic may add a union member's name to the location; the closest key in the file still helps.
    for end in range(len(loc), 0, -1):
        if loc[:end] in key_lines:
            return key_lines[loc[:end]]
    return None


def load_model(model: type[Model], path: Path) -> Model:
    """Read ``path`` as YAML into ``model``; any problem raises ConfigError naming file and key."""
    path = Path(path)
    text, node = read_yaml_file(path)
    data = _construct(node, str(path))
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys to values at the top level")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(path, exc, node)) from exc


def dump_model(instance: BaseModel, path: Path) -> None:
    data = instance.model_dump(mode="json", exclude_none=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
