"""YAML files validated by pydantic models, with errors that name the file, the key and the line."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bullseye.errors import ConfigError

__all__ = ["load_model", "dump_model", "format_validation_error"]

Model = TypeVar("Model", bound=BaseModel)


def _key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Map each key path in a YAML document to its 1-based line number."""
    lines: dict[tuple[str, ...], int] = {}

    def walk(node: yaml.Node, path: tuple[str, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key_path = path + (str(key_node.value),)
                lines[key_path] = key_node.start_mark.line + 1
                walk(value_node, key_path)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                item_path = path + (str(index),)
                lines[item_path] = item.start_mark.line + 1
                walk(item, item_path)

    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return lines
    if root is not None:
        walk(root, ())
    return lines


def format_validation_error(path: Path | str, error: ValidationError, text: str = "") -> str:
    key_lines = _key_lines(text) if text else {}
    parts = []
    for item in error.errors():
        loc = tuple(str(p) for p in item["loc"])
        key = ".".join(loc) or "(top level)"
        line = key_lines.get(loc)
        where = f"{path}:{line}" if line else str(path)
        if item["type"] == "extra_forbidden":
            message = f"unknown key '{key}'"
        elif item["type"] == "missing":
            message = f"missing required key '{key}'"
        else:
            message = f"key '{key}': {item['msg']}"
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def _bad_scalar_line(text: str) -> str:
    """':<line>' of the first scalar that YAML cannot construct (an impossible date), or ''."""
    loader = yaml.SafeLoader(text)
    try:
        stack = [loader.get_single_node()]
        while stack:
            node = stack.pop()
            if isinstance(node, yaml.ScalarNode):
                try:
                    loader.construct_object(node)
                except ValueError:
                    return f":{node.start_mark.line + 1}"
            elif isinstance(node, yaml.MappingNode):
                stack.extend(v for pair in reversed(node.value) for v in reversed(pair))
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(reversed(node.value))
    finally:
        loader.dispose()
    return ""


def load_model(model: type[Model], path: Path) -> Model:
    """Read ``path`` as YAML into ``model``; any problem raises ConfigError naming file and key."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ConfigError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from exc
    except ValueError as exc:  # a scalar YAML reads as a date but is none, such as 2025-13-01
        raise ConfigError(f"{path}{_bad_scalar_line(text)}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys to values at the top level")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(path, exc, text)) from exc


def dump_model(instance: BaseModel, path: Path) -> None:
    data = instance.model_dump(mode="json", exclude_none=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
