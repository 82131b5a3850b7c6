"""Values as the Pulumi engine receives them: secrets and unknowns stay visible.

The SDK serializes a secret as a map signed with a special key, and a value not yet known (in a
preview) as a fixed sentinel string. Decoding keeps both as marker objects, so a test can tell a
secret input or output from a plain one, which a mock's plain values cannot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from google.protobuf import json_format, struct_pb2

_SIGNATURE_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270"  # noqa: S105 (the SDK's wire marker, not a password)
_UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


@dataclass(frozen=True)
class Secret:
    """A value the program marked secret."""

    value: Any


@dataclass(frozen=True)
class Unknown:
    """A value not known until the deployment (only in previews)."""


def decode_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    return decode(json_format.MessageToDict(struct))


def decode_value(value: struct_pb2.Value) -> Any:
    return decode(json_format.MessageToDict(value))


def decode(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get(_SIGNATURE_KEY) == _SECRET_SIGNATURE:
            return Secret(decode(value.get("value")))
        return {key: decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    if value == _UNKNOWN_VALUE:
        return Unknown()
    return value


def unwrap(value: Any) -> Any:
    """The plain value, with secret markers removed."""
    if isinstance(value, Secret):
        return unwrap(value.value)
    if isinstance(value, dict):
        return {key: unwrap(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unwrap(item) for item in value]
    return value


def plain_occurrences(value: Any, needle: str, path: str = "") -> list[str]:
    """Paths where ``needle`` appears in text that is not inside a secret marker."""
    if isinstance(value, Secret):
        return []
    if isinstance(value, dict):
        return [hit for key, item in value.items() for hit in plain_occurrences(item, needle, f"{path}.{key}")]
    if isinstance(value, list):
        return [hit for i, item in enumerate(value) for hit in plain_occurrences(item, needle, f"{path}[{i}]")]
    if isinstance(value, str) and needle in value:
        return [path or "."]
    return []
