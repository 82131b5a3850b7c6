"""The committed stack files (``Pulumi.<stack>.yaml``), read as the Pulumi CLI passes them to the program, and
the program run from one."""

from __future__ import annotations

import json
import re
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


# An unquoted YAML timestamp, as the Pulumi CLI reads it (pulumi/pulumi at 1b59498, 2026-08-21; its sdk/go.mod
# pins gopkg.in/yaml.v3 v3.0.1). The CLI loads a stack file with yaml.v3 into untyped values
# (sdk/go/common/workspace/loaders.go, LoadProjectStackBytes), where yaml.v3 turns a plain scalar that parses
# in one of its timestamp layouts into a time.Time (resolve.go, parseTimestamp and allowedTimestampFormats;
# decode.go, scalar, which sets an interface to the resolved value). A config value holding one becomes that
# time's Go String(), "2006-01-02 15:04:05.999999999 -0700 MST" (sdk/go/common/resource/config/object.go,
# unmarshalObject: `case time.Time: return newObject(v.String())`; TestUnmarshalTime in
# sdk/go/common/workspace/loaders_test.go). So the program is handed "2027-06-30 00:00:00 +0000 UTC" for an
# unquoted 2027-06-30T00:00:00Z, never the text that was written.
_GO_TIMESTAMP = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"(?:(?:[Tt](?P<h1>\d{1,2}):(?P<m1>\d{1,2}):(?P<s1>\d{1,2})(?P<f1>\.\d+)?(?P<zone>Z|[+-]\d{2}:\d{2}))"
    r"|(?: (?P<h2>\d{1,2}):(?P<m2>\d{1,2}):(?P<s2>\d{1,2})(?P<f2>\.\d+)?))?"
)


def go_timestamp_text(text: str) -> str:
    """What the Pulumi CLI passes for a plain YAML scalar that PyYAML reads as a timestamp: the Go String() of the
    time yaml.v3 parses, or the text itself when yaml.v3 parses no time from it (yaml.v3 then reads a string).

    A time with a numeric offset prints as "+0200 +0200"; Go prints the local zone's name instead when the
    machine's own zone has that offset at that time, which this cannot know."""
    match = _GO_TIMESTAMP.fullmatch(text)
    if match is None:
        return text
    hour, minute, second, fraction = (
        match["h1"] or match["h2"] or "0",
        match["m1"] or match["m2"] or "0",
        match["s1"] or match["s2"] or "0",
        (match["f1"] or match["f2"] or ".")[1:],
    )
    try:
        moment = datetime(
            int(match["year"]), int(match["month"]), int(match["day"]), int(hour), int(minute), int(second)
        )
    except ValueError:
        return text  # Go's time.Parse refuses an out-of-range field as well
    zone = match["zone"] or "Z"
    if zone == "Z":
        zone_text = "+0000 UTC"
    else:
        offset = zone.replace(":", "")
        zone_text = f"{offset} {offset}"
    nanoseconds = fraction[:9].rstrip("0")  # Go reads at most nine digits and prints no trailing zero
    return f"{moment:%Y-%m-%d %H:%M:%S}{'.' + nanoseconds if nanoseconds else ''} {zone_text}"


class _PulumiLoader(yaml.SafeLoader):
    """PyYAML's safe loader, with timestamps read as the Pulumi CLI reads them (see ``go_timestamp_text``)."""


_PulumiLoader.add_constructor(
    "tag:yaml.org,2002:timestamp",
    lambda loader, node: go_timestamp_text(loader.construct_scalar(node)),
)


def read_stack_file(path: Path, *, encrypted_value: str | None = None) -> StackFile:
    """Reads a stack file. An encrypted value (``secure:``) cannot be decrypted offline: it raises,
    unless ``encrypted_value`` is given to stand in for it (its key then counts as secret)."""
    try:
        document = yaml.load(path.read_text(), Loader=_PulumiLoader) or {}  # noqa: S506 (a SafeLoader)
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
        try:
            config[full_key] = config_text(key, value)
        except StackFileError as error:
            raise StackFileError(f"{path}: {error}") from None
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
    try:
        return json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        # A YAML tag such as !!binary or !!set, or a float that is not a number: nothing a key of this project takes.
        raise StackFileError(f"{key}: expected text, a number, true or false, a list or a mapping") from None


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
