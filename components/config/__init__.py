"""The stack's configuration, read and validated in one place, into typed values.

Every key lives in the project namespace ``third-party-ec2-access``. A missing or invalid value
raises :class:`ConfigError`, one line naming the key and what is expected, before the program
registers any resource.

``parse_stack_config`` is pure (raw strings in, typed values out) so it is tested without Pulumi;
``load_stack_config`` feeds it the running stack's configuration. Each key is declared once, in the part
that reads it (``their``, ``yours/``), as ``keys`` describes; docs/configuration.md documents them all.
The typed values carry where they stand in config (``config_key``, ``config_keys``), so the errors found
after parsing name the key without building its path again.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from datetime import UTC, datetime

import pulumi

from components.config.errors import NAMESPACE, ConfigError, shown
from components.config.keys import ACCOUNT
from components.config.readers import RawValues
from components.config.their import THEIR_KEYS, CustomerConfig, TheirStackConfig, parse_their_config
from components.config.yours import YOURS_KEYS, YoursStackConfig, parse_yours_config
from components.config.yours.instances import ExistingInstanceConfig, InstanceConfig, NewInstanceConfig
from components.config.yours.network import NetworkConfig
from components.config.yours.parties import THIRD_PARTIES, ExplicitTrust, TheirStackReference, ThirdPartyConfig
from components.config.yours.session import SessionConfig

__all__ = [
    "ConfigError",
    "CustomerConfig",
    "ExistingInstanceConfig",
    "ExplicitTrust",
    "InstanceConfig",
    "NetworkConfig",
    "NewInstanceConfig",
    "SessionConfig",
    "StackConfig",
    "TheirStackConfig",
    "TheirStackReference",
    "ThirdPartyConfig",
    "YoursStackConfig",
    "current_time",
    "load_stack_config",
    "parse_stack_config",
]

StackConfig = TheirStackConfig | YoursStackConfig


def load_stack_config(now: datetime) -> StackConfig:
    """Reads every key of the project namespace from the running stack and validates it, judging expiry
    dates at ``now``."""
    # Pulumi's Python SDK offers no public call that lists the configured keys, and listing them is
    # the only way to reject a misspelt one; the SDK keeps them in this context variable (and the
    # CLI's environment variable it is filled from).
    prefix = f"{NAMESPACE}:"
    full_keys = set(pulumi.runtime.config.CONFIG.get()) | set(pulumi.runtime.get_config_env())
    keys = [key.removeprefix(prefix) for key in full_keys if key.startswith(prefix)]
    config = pulumi.Config(NAMESPACE)
    secret_keys = {key for key in keys if pulumi.runtime.is_config_secret(prefix + key)}
    return parse_stack_config({key: config.get(key) for key in keys}, secret_keys, now=now)


def current_time() -> datetime:
    """The deployment's clock, which ``__main__.py`` hands the program as the time expiry dates are judged at."""
    return datetime.now(UTC)


def parse_stack_config(
    raw: Mapping[str, str], secret_keys: Set[str] = frozenset(), *, now: datetime | None = None
) -> StackConfig:
    """Validates the raw config strings of the namespace (keys without the namespace prefix).

    ``secret_keys`` names the keys stored as secrets; ``now`` is when expiry dates are checked.
    """
    values = RawValues(raw)
    account = values.text(ACCOUNT)
    if account == "their":
        values.reject_unknown(THEIR_KEYS, "a their stack")
        return parse_their_config(values)
    if account == "yours":
        values.reject_unknown(YOURS_KEYS, "a yours stack")
        return parse_yours_config(
            values, third_parties_secret=THIRD_PARTIES.name in secret_keys, now=now or datetime.now(UTC)
        )
    got = "nothing" if account is None else shown(account)
    raise ConfigError(ACCOUNT.name, f'expected "their" (the third party\'s stack) or "yours" (yours), got {got}')
