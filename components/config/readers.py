"""The namespace's raw config values, read through their declarations (``components/config/keys.py``), with
every error naming the key's whole path."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from components.config.errors import ConfigError, shown
from components.config.keys import (
    CLOUDWATCH_RETENTION_DAYS,
    Boolean,
    Key,
    ListOf,
    ListOfObjects,
    Object,
    RetentionDays,
    Text,
    WholeNumber,
    names,
)

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


def _unset(key: ListOf | ListOfObjects) -> list[Any] | None:
    """A list key's default as a fresh list (the declaration holds a tuple, which nothing can change)."""
    return None if key.default is None else list(key.default)


class RawValues:
    """The namespace's raw config strings (as the CLI passes them): the keys at the top level."""

    def __init__(self, raw: Mapping[str, str]) -> None:
        self._raw = raw

    def key(self, key: Key) -> str:
        """Its path in errors: at the top level, its name."""
        return key.name

    def reject_unknown(self, keys: tuple[Key, ...], stack_kind: str) -> None:
        known = names(keys)
        for key in sorted(set(self._raw) - known):
            raise ConfigError(key, f"unknown key for {stack_kind}; known keys: {', '.join(sorted(known))}")

    def has(self, key: Key) -> bool:
        """Whether config sets the key at all (its default aside)."""
        return key.name in self._raw

    def text(self, key: Text) -> str | None:
        return self._raw.get(key.name, key.default)

    def required_text(self, key: Text) -> str:
        value = self._raw.get(key.name)
        if value is None or value == "":
            raise ConfigError(key.name, f"is required and missing; set it with `pulumi config set {key.name} <value>`")
        return value

    def boolean(self, key: Boolean) -> bool:
        value = self._raw.get(key.name)
        if value is None:
            return key.default
        if value in ("true", "True"):
            return True
        if value in ("false", "False"):
            return False
        raise ConfigError(key.name, f"expected true or false, got {shown(value)}")

    def integer(self, key: WholeNumber) -> int:
        value = self._raw.get(key.name)
        if value is None:
            return key.default
        return whole_number(key.name, value, minimum=key.minimum, maximum=key.maximum)

    def structured(self, key: ListOf | ListOfObjects) -> Any:
        """A list value as given, or its default when unset."""
        return self._structured(key.name, _unset(key))

    def object(self, key: Object) -> ObjectValue:
        """An object value whose keys are all declared; unset means an empty object."""
        return ObjectValue(key.name, self._structured(key.name, {}), key.keys)

    def _structured(self, name: str, unset: Any) -> Any:
        """The CLI passes a list or object value as JSON text; anything else stays a string."""
        value = self._raw.get(name)
        if value is None:
            return unset
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value

    def list(self, key: ListOf | ListOfObjects) -> list[Any]:
        value = self.structured(key)
        if not isinstance(value, list):
            raise ConfigError(key.name, f"expected a list of {key.of}, got {shown(value)}")
        return value

    def entries(self, key: ListOfObjects) -> Iterator[ObjectValue]:
        """Each entry of a list of objects in turn, so an entry's errors come before those of the next."""
        for index, value in enumerate(self.list(key)):
            yield ObjectValue(f"{key.name}[{index}]", value, key.keys)


class ObjectValue:
    """One object inside a config value. A key it does not declare is an error, not a silent default."""

    def __init__(self, path: str, value: Any, keys: tuple[Key, ...]) -> None:
        known = names(keys)
        if not isinstance(value, dict):
            raise ConfigError(path, f"expected an object with keys {', '.join(sorted(known))}, got {shown(value)}")
        for key in sorted(set(value) - known):
            raise ConfigError(f"{path}.{key}", f"unknown key; known keys: {', '.join(sorted(known))}")
        self.path = path
        self._value = value

    def key(self, key: Key) -> str:
        """Its path in errors (``thirdParties[0].name``)."""
        return f"{self.path}.{key.name}"

    def has(self, key: Key) -> bool:
        return key.name in self._value

    def raw(self, key: Key) -> Any:
        """The value as config holds it, unchecked (None when unset)."""
        return self._value.get(key.name)

    def text(self, key: Text) -> str | None:
        value = self._value.get(key.name, key.default)
        if value is not None and not isinstance(value, str):
            raise ConfigError(self.key(key), f"expected text, got {shown(value)}")
        return value

    def required_text(self, key: Text) -> str:
        value = self.text(key)
        if not value:
            raise ConfigError(self.key(key), "is required and missing")
        return value

    def integer(self, key: WholeNumber, *, maximum: int | None = None) -> int:
        """The number, within its declared range, or up to ``maximum`` where the rest of config sets the top."""
        value = self._value.get(key.name)
        if value is None:
            return key.default
        top = key.maximum if maximum is None else maximum
        return whole_number(self.key(key), value, minimum=key.minimum, maximum=top)

    def retention_days(self, key: RetentionDays) -> int:
        value = self._value.get(key.name)
        days = key.default if value is None else whole_number(self.key(key), value, minimum=1)
        if days not in CLOUDWATCH_RETENTION_DAYS:
            raise ConfigError(
                self.key(key),
                f"expected one of CloudWatch Logs' retention periods in days ({CLOUDWATCH_RETENTION_DAYS}), got {days}",
            )
        return days

    def list(self, key: ListOf) -> list[Any]:
        value = self._value.get(key.name, _unset(key))
        if not isinstance(value, list):
            raise ConfigError(self.key(key), f"expected a list of {key.of}, got {shown(value)}")
        return value
