"""Checks shared by both stacks' config: names that AWS will accept, and that both sides derive alike."""

from __future__ import annotations

import re
import unicodedata

from components.config.errors import ConfigError, shown
from components.contract import IAM_NAME_MAX_LENGTH, derive_session_role_name

_IAM_NAME = re.compile(r"[A-Za-z0-9_+=,.@-]+")
"""IAM user and role names: ASCII letters, digits and ``_+=,.@-``."""

_ACCOUNT_ID = re.compile(r"[0-9]{12}")

_TAG_VALUE_PUNCTUATION = set("_.:/=+-@")
TAG_VALUE_MAX_LENGTH = 256


def check_party_name(key: str, party_name: str) -> None:
    """A party name is an AWS tag value (the ABAC tag's value)."""
    allowed = all(c.isalnum() or unicodedata.category(c) == "Zs" or c in _TAG_VALUE_PUNCTUATION for c in party_name)
    if not party_name or len(party_name) > TAG_VALUE_MAX_LENGTH or not allowed:
        raise ConfigError(
            key,
            f"expected a tag value of 1-{TAG_VALUE_MAX_LENGTH} letters, digits, spaces and _.:/=+-@, "
            f"got {shown(party_name)}",
        )


def session_role_name(name_key: str, party_name: str, role_key: str, given: str | None) -> str:
    """The session role's name: the one given (checked), or else the one derived from the party name."""
    if given is None:
        return derived_role_name(name_key, party_name)
    check_iam_name(role_key, given, "an IAM role name")
    return given


def derived_role_name(key: str, party_name: str) -> str:
    """The session role name derived from a party name, or a ConfigError when it cannot be one."""
    role_name = derive_session_role_name(party_name)
    if role_name == derive_session_role_name(""):
        raise ConfigError(
            key, f"expected at least one ASCII letter or digit to derive the role name from, got {shown(party_name)}"
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
            key, f'expected an AWS account id of 12 digits, quoted in YAML ("012345678901"), got {shown(account_id)}'
        )


def check_iam_name(key: str, name: str, what: str, *, min_length: int = 1) -> None:
    if not (min_length <= len(name) <= IAM_NAME_MAX_LENGTH and _IAM_NAME.fullmatch(name)):
        raise ConfigError(
            key,
            f"expected {what}: {min_length}-{IAM_NAME_MAX_LENGTH} ASCII letters, digits and _+=,.@-, got {shown(name)}",
        )
