"""Each config key declared once: its name, its type, its range and its default.

The parser reads every value through its declaration (``components/config/readers.py``), the key sets that
reject a misspelt key are derived from the declarations, and ``tests/test_configuration_doc.py`` holds
``docs/configuration.md`` to them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Key:
    """A key's name; each kind of key below adds its ``default``, the value an unset key stands for (None
    where the parser has none: the key is required, optional or derived from another)."""

    name: str
    """The key as it is spelt in config (``idleTimeoutMinutes``), without the path of what holds it."""


@dataclass(frozen=True)
class Text(Key):
    default: str | None = None


@dataclass(frozen=True)
class Boolean(Key):
    default: bool


@dataclass(frozen=True)
class WholeNumber(Key):
    default: int
    minimum: int
    maximum: int | None = None


CLOUDWATCH_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
"""The retention periods CloudWatch Logs offers; a log group accepts no other."""


@dataclass(frozen=True)
class RetentionDays(Key):
    """A log group's retention in days, one of ``CLOUDWATCH_RETENTION_DAYS``."""

    default: int


@dataclass(frozen=True)
class ListOf(Key):
    of: str
    """What its entries are, as an error names them (``CIDR blocks``)."""
    default: tuple[Any, ...] | None = ()


@dataclass(frozen=True)
class Object(Key):
    """An object value, each of whose keys is declared; unset, every key takes its default."""

    keys: tuple[Key, ...]
    default: None = None


@dataclass(frozen=True)
class ListOfObjects(Key):
    """A list of objects, each with the same declared keys."""

    of: str
    keys: tuple[Key, ...]
    default: tuple[Any, ...] | None = ()


ACCOUNT = Text("account")
"""The one key both stacks read: which of the two this stack is (``their`` or ``yours``)."""


def names(keys: Iterable[Key]) -> frozenset[str]:
    """The key names an object accepts; any other is rejected as unknown."""
    return frozenset(key.name for key in keys)


def paths(keys: Iterable[Key], prefix: str = "") -> dict[str, Key]:
    """Every declared key by its path, as the docs spell it: ``network.vpcCidr``, ``thirdParties[].name``."""
    found: dict[str, Key] = {}
    for key in keys:
        path = prefix + key.name
        found[path] = key
        if isinstance(key, Object):
            found |= paths(key.keys, f"{path}.")
        elif isinstance(key, ListOfObjects):
            found |= paths(key.keys, f"{path}[].")
    return found
