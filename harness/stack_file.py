"""The committed stack files (``Pulumi.<stack>.yaml``), read as the Pulumi CLI passes them to the program, and
the program run from one."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from components.contract import PROJECT
from harness.aws_mocks import AwsMocks
from harness.program_run import ProgramRun, run_program


@dataclass(frozen=True)
class StackFile:
    """A committed ``Pulumi.<stack>.yaml``, as the CLI passes it to the program."""

    stack: str
    config: dict[str, str]
    """Full keys, raw strings."""
    secret_keys: frozenset[str]
    """Keys holding a value that was encrypted in the file."""


class StackFileError(ValueError):
    """A stack file that cannot be read as one; the message says why, in one line."""


def read_stack_file(path: Path, *, encrypted_value: str | None = None) -> StackFile:
    """Reads a stack file. An encrypted value (``secure:``) cannot be decrypted offline: it raises,
    unless ``encrypted_value`` is given to stand in for it (its key then counts as secret)."""
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except OSError as error:
        raise StackFileError(f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise StackFileError(f"{path} is not text (a stack file is UTF-8 YAML)") from None
    except yaml.reader.ReaderError as error:
        raise StackFileError(
            f"{path} holds a character YAML does not allow (#x{error.character:04x}) at position {error.position}"
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or type(error).__name__
        raise StackFileError(f"{path} is not valid YAML{where}: {problem}") from None
    if not isinstance(document, dict):
        raise StackFileError(f"{path} is not a stack file: expected a mapping with a config key, got {_kind(document)}")
    if not isinstance(document.get("config") or {}, dict):
        raise StackFileError(f"{path}: config must map keys to values, got {_kind(document['config'])}")
    config: dict[str, str] = {}
    secret_keys = set()
    for key, value in (document.get("config") or {}).items():
        full_key = key if ":" in key else f"{PROJECT}:{key}"
        if _has_encrypted_value(value):
            if encrypted_value is None:
                raise ValueError(f"{key} holds an encrypted value, which cannot be read offline")
            value = _stand_in(value, encrypted_value)
            secret_keys.add(full_key)
        config[full_key] = config_text(key, value)
    return StackFile(path.name.removeprefix("Pulumi.").removesuffix(".yaml"), config, frozenset(secret_keys))


def _kind(value: Any) -> str:
    return {list: "a list", str: "a bare text", int: "a number", float: "a number", bool: "true or false"}.get(
        type(value), type(value).__name__
    )


def stack_file_config(path: Path) -> dict[str, str]:
    """A committed stack file's config: full keys, raw strings."""
    return read_stack_file(path).config


def config_text(key: str, value: Any) -> str:
    """One config value as the CLI passes it: strings as they are, everything else as JSON."""
    if isinstance(value, str):
        return value
    if _has_encrypted_value(value):
        raise ValueError(f"{key} holds an encrypted value, which cannot be read offline; pass it to run_program")
    return json.dumps(value)


def _has_encrypted_value(value: Any) -> bool:
    if isinstance(value, dict):
        return "secure" in value or any(_has_encrypted_value(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_encrypted_value(v) for v in value)
    return False


def _stand_in(value: Any, stand_in: str) -> Any:
    if isinstance(value, dict):
        return stand_in if set(value) == {"secure"} else {k: _stand_in(v, stand_in) for k, v in value.items()}
    if isinstance(value, list):
        return [_stand_in(v, stand_in) for v in value]
    return value


def run_stack_file(
    path: Path,
    *,
    mocks: AwsMocks | None = None,
    preview: bool = False,
    secret_keys: Iterable[str] = (),
    remove: Iterable[str] = (),
    now: datetime | None = None,
    **overrides: Any,
) -> ProgramRun:
    """Runs the program with a committed stack file, optionally with some project keys overridden.

    ``secret_keys`` names the project keys to treat as secrets, as if set with ``--secret``; ``remove``
    names project keys to take out of the file's config, as ``pulumi config rm`` would; ``now`` is as in
    :func:`run_program`.
    """
    stack_file = read_stack_file(path)
    kept = {key: value for key, value in stack_file.config.items() if key not in {f"{PROJECT}:{r}" for r in remove}}
    config = {**kept, **{f"{PROJECT}:{key}": config_text(key, value) for key, value in overrides.items()}}
    secret = [f"{PROJECT}:{key}" for key in secret_keys]
    return run_program(config, stack=stack_file.stack, mocks=mocks, preview=preview, secret_keys=secret, now=now)
