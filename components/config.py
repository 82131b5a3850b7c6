"""The stack's configuration, read and validated in one place, into typed values.

Every key lives in the project namespace ``third-party-ec2-access``. A missing or invalid value
raises :class:`ConfigError` naming the key and what is expected, before the program registers any
resource. ``ConfigError`` is a ``pulumi.RunError``, which the Pulumi CLI prints as one line, without
a traceback.

``parse_stack_config`` is pure (raw strings in, typed values out) so it is tested without Pulumi;
``load_stack_config`` feeds it the stack's configuration.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Set
from dataclasses import dataclass
from typing import Any

import pulumi

from components.naming import IAM_NAME_MAX_LENGTH, PROJECT, derive_session_role_name

NAMESPACE = PROJECT

DEFAULT_USERS = ("alice",)

_IAM_NAME = re.compile(r"[A-Za-z0-9_+=,.@-]+")
"""IAM user and role names: ASCII letters, digits and ``_+=,.@-``."""

_ACCOUNT_ID = re.compile(r"[0-9]{12}")

_TAG_VALUE_PUNCTUATION = set("_.:/=+-@")
TAG_VALUE_MAX_LENGTH = 256

SOURCE_IDENTITY_MIN_LENGTH = 2
"""STS rejects a source identity shorter than 2 characters, and each user's name becomes one."""


class ConfigError(pulumi.RunError):
    """A configuration value the program cannot use. The message is one line that names the key."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{NAMESPACE}:{key}: {problem}")


def _shown(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class TheirStackConfig:
    """A third party's stack: the identity its users chain from, into one role of your account."""

    party_name: str
    """The tag value your account grants this party, e.g. ``Third_Party_A``."""
    your_account_id: str
    """The 12-digit id of the account that hosts the instances."""
    your_role_name: str
    """The session role in your account that the local role may assume."""
    users: tuple[str, ...]
    """IAM users created in the group; each may chain into your account as itself."""
    require_mfa: bool
    """Whether assuming the local role requires an MFA-authenticated session."""
    access_key_serial: int
    """Bumping it replaces every user's access key (the new key exists before the old one goes)."""


@dataclass(frozen=True)
class YoursStackConfig:
    """Your account's stack: the instances and who may open sessions on them."""


StackConfig = TheirStackConfig | YoursStackConfig

_THEIR_KEYS = {"account", "partyName", "yourAccountId", "yourRoleName", "users", "requireMfa", "accessKeySerial"}
_YOURS_KEYS = {"account"}


def load_stack_config() -> StackConfig:
    """Reads every key of the project namespace from the running stack and validates it."""
    # Pulumi's Python SDK offers no public call that lists the configured keys, and listing them is
    # the only way to reject a misspelt one; the SDK keeps them in this context variable (and the
    # CLI's environment variable it is filled from).
    prefix = f"{NAMESPACE}:"
    full_keys = set(pulumi.runtime.config.CONFIG.get()) | set(pulumi.runtime.get_config_env())
    config = pulumi.Config(NAMESPACE)
    keys = [key.removeprefix(prefix) for key in full_keys if key.startswith(prefix)]
    return parse_stack_config({key: config.get(key) for key in keys})


def parse_stack_config(raw: Mapping[str, str]) -> StackConfig:
    """Validates the raw config strings of the namespace (keys without the namespace prefix)."""
    values = _RawValues(raw)
    account = values.text("account")
    if account == "their":
        values.reject_unknown(_THEIR_KEYS, "a their stack")
        return _their_config(values)
    if account == "yours":
        values.reject_unknown(_YOURS_KEYS, "a yours stack")
        return YoursStackConfig()
    got = "nothing" if account is None else _shown(account)
    raise ConfigError("account", f'expected "their" (the third party\'s stack) or "yours" (yours), got {got}')


def _their_config(values: _RawValues) -> TheirStackConfig:
    party_name = values.required_text("partyName")
    check_party_name("partyName", party_name)
    your_account_id = values.required_text("yourAccountId")
    check_account_id("yourAccountId", your_account_id)
    your_role_name = values.text("yourRoleName")
    if your_role_name is None:
        your_role_name = derived_role_name("partyName", party_name)
    else:
        check_iam_name("yourRoleName", your_role_name, "an IAM role name")
    return TheirStackConfig(
        party_name=party_name,
        your_account_id=your_account_id,
        your_role_name=your_role_name,
        users=_users(values),
        require_mfa=values.boolean("requireMfa", default=False),
        access_key_serial=values.integer("accessKeySerial", default=1, minimum=1),
    )


def _users(values: _RawValues) -> tuple[str, ...]:
    users = values.structured("users", default=list(DEFAULT_USERS))
    if not isinstance(users, list) or not users:
        raise ConfigError("users", f"expected a non-empty list of IAM user names, got {_shown(users)}")
    seen: dict[str, int] = {}
    for index, user in enumerate(users):
        key = f"users[{index}]"
        if not isinstance(user, str):
            raise ConfigError(key, f"expected an IAM user name, got {_shown(user)}")
        check_iam_name(key, user, "an IAM user name", min_length=SOURCE_IDENTITY_MIN_LENGTH)
        # IAM names are unique regardless of case, so Alice and alice are the same user.
        folded = user.casefold()
        if folded in seen:
            raise ConfigError(key, f"expected each user once; {_shown(user)} repeats users[{seen[folded]}]")
        seen[folded] = index
    return tuple(users)


def check_party_name(key: str, party_name: str) -> None:
    """A party name is an AWS tag value (the ABAC tag) and must leave a role name to derive."""
    allowed = all(c.isalnum() or unicodedata.category(c) == "Zs" or c in _TAG_VALUE_PUNCTUATION for c in party_name)
    if not party_name or len(party_name) > TAG_VALUE_MAX_LENGTH or not allowed:
        raise ConfigError(
            key,
            f"expected a tag value of 1-{TAG_VALUE_MAX_LENGTH} letters, digits, spaces and _.:/=+-@, "
            f"got {_shown(party_name)}",
        )


def derived_role_name(key: str, party_name: str) -> str:
    """The session role name derived from a party name, or a ConfigError when it cannot be one."""
    role_name = derive_session_role_name(party_name)
    if role_name == derive_session_role_name(""):
        raise ConfigError(
            key, f"expected at least one ASCII letter or digit to derive the role name from, got {_shown(party_name)}"
        )
    if len(role_name) > IAM_NAME_MAX_LENGTH:
        raise ConfigError(
            key,
            f"expected a name whose derived role name {role_name} fits IAM's {IAM_NAME_MAX_LENGTH} characters "
            f"({len(role_name)}); shorten it or set the role name explicitly",
        )
    return role_name


def check_account_id(key: str, account_id: str) -> None:
    if not _ACCOUNT_ID.fullmatch(account_id):
        raise ConfigError(
            key, f'expected an AWS account id of 12 digits, quoted in YAML ("012345678901"), got {_shown(account_id)}'
        )


def check_iam_name(key: str, name: str, what: str, *, min_length: int = 1) -> None:
    if not (min_length <= len(name) <= IAM_NAME_MAX_LENGTH and _IAM_NAME.fullmatch(name)):
        raise ConfigError(
            key,
            f"expected {what}: {min_length}-{IAM_NAME_MAX_LENGTH} ASCII letters, digits and _+=,.@-, "
            f"got {_shown(name)}",
        )


class _RawValues:
    """The namespace's raw config strings, converted on demand with errors that name the key."""

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
            raise ConfigError(key, "is required and missing; set it with `pulumi config set " + key + " <value>`")
        return value

    def boolean(self, key: str, *, default: bool) -> bool:
        value = self._raw.get(key)
        if value is None:
            return default
        if value in ("true", "True"):
            return True
        if value in ("false", "False"):
            return False
        raise ConfigError(key, f"expected true or false, got {_shown(value)}")

    def integer(self, key: str, *, default: int, minimum: int) -> int:
        value = self._raw.get(key)
        if value is None:
            return default
        if not re.fullmatch(r"[0-9]+", value) or int(value) < minimum:
            raise ConfigError(key, f"expected a whole number of at least {minimum}, got {_shown(value)}")
        return int(value)

    def structured(self, key: str, *, default: Any) -> Any:
        """A list or object value: the CLI passes those as JSON text; anything else stays a string."""
        value = self._raw.get(key)
        if value is None:
            return default
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
