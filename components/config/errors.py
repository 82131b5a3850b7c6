"""The one error every bad config value raises, and the readers that raise it with the key's path."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Set
from typing import Any

import pulumi

from components.contract import PROJECT

NAMESPACE = PROJECT


class ConfigError(pulumi.RunError):
    """A configuration value the program cannot use. The message is one line that names the key.

    A ``pulumi.RunError`` is printed by the Pulumi CLI as its message alone, without a traceback.
    """

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{NAMESPACE}:{key}: {problem}")


def shown(value: object) -> str:
    """A value quoted for an error message."""
    return json.dumps(value, ensure_ascii=False)


_WHOLE_NUMBER = re.compile(r"[0-9]+")


def whole_number(key: str, value: Any, *, minimum: int, maximum: int | None = None) -> int:
    """An integer from YAML (a number) or from ``pulumi config set --path`` (digits as text)."""
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value):
        number = int(value)
    if number is None or number < minimum or (maximum is not None and number > maximum):
        bounds = f"from {minimum} to {maximum}" if maximum is not None else f"of at least {minimum}"
        raise ConfigError(key, f"expected a whole number {bounds}, got {shown(value)}")
    return number


class RawValues:
    """The namespace's raw config strings (as the CLI passes them), read with errors naming the key."""

    def __init__(self, raw: Mapping[str, str]) -> None:
        self._raw = raw

    def reject_unknown(self, known: Set[str], stack_kind: str) -> None:
        for key in sorted(set(self._raw) - known):
            raise ConfigError(key, f"unknown key for {stack_kind}; known keys: {', '.join(sorted(known))}")

    def text(self, key: str) -> str | None:
        return self._raw.get(key)

    def required_text(self, key: str) -> str:
        value = self._raw.get(key)
        if value is None or value == "":
            raise ConfigError(key, f"is required and missing; set it with `pulumi config set {key} <value>`")
        return value

    def boolean(self, key: str, *, default: bool) -> bool:
        value = self._raw.get(key)
        if value is None:
            return default
        if value in ("true", "True"):
            return True
        if value in ("false", "False"):
            return False
        raise ConfigError(key, f"expected true or false, got {shown(value)}")

    def integer(self, key: str, *, default: int, minimum: int) -> int:
        value = self._raw.get(key)
        return default if value is None else whole_number(key, value, minimum=minimum)

    def structured(self, key: str, *, default: Any) -> Any:
        """A list or object value: the CLI passes those as JSON text; anything else stays a string."""
        value = self._raw.get(key)
        if value is None:
            return default
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value

    def object(self, key: str, known: Set[str]) -> ObjectValue:
        """An object value whose keys are all in ``known``; unset means an empty object."""
        return ObjectValue(key, self.structured(key, default={}), known)

    def list(self, key: str, what: str) -> list[Any]:
        """A list value; unset means an empty list."""
        value = self.structured(key, default=[])
        if not isinstance(value, list):
            raise ConfigError(key, f"expected a list of {what}, got {shown(value)}")
        return value


class ObjectValue:
    """One object inside a config value. A key it does not know is an error, not a silent default."""

    def __init__(self, path: str, value: Any, known: Set[str]) -> None:
        if not isinstance(value, dict):
            raise ConfigError(path, f"expected an object with keys {', '.join(sorted(known))}, got {shown(value)}")
        for key in sorted(set(value) - known):
            raise ConfigError(f"{path}.{key}", f"unknown key; known keys: {', '.join(sorted(known))}")
        self.path = path
        self._value = value

    def key(self, key: str) -> str:
        return f"{self.path}.{key}"

    def has(self, key: str) -> bool:
        return key in self._value

    def raw(self, key: str, default: Any = None) -> Any:
        return self._value.get(key, default)

    def text(self, key: str, *, default: str | None = None) -> str | None:
        value = self._value.get(key, default)
        if value is not None and not isinstance(value, str):
            raise ConfigError(self.key(key), f"expected text, got {shown(value)}")
        return value

    def required_text(self, key: str) -> str:
        value = self.text(key)
        if not value:
            raise ConfigError(self.key(key), "is required and missing")
        return value

    def integer(self, key: str, *, default: int, minimum: int, maximum: int | None = None) -> int:
        value = self._value.get(key)
        return default if value is None else whole_number(self.key(key), value, minimum=minimum, maximum=maximum)

    def list(self, key: str, what: str, *, default: list[Any]) -> list[Any]:
        value = self._value.get(key, default)
        if not isinstance(value, list):
            raise ConfigError(self.key(key), f"expected a list of {what}, got {shown(value)}")
        return value
