"""The one error every bad config value raises, wherever the program finds it: while parsing, or later, when
AWS or a their stack's outputs reveal that a value cannot work."""

from __future__ import annotations

import json

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
