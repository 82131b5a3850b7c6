"""Checks shared by the config's parts: names that AWS will accept, that both sides derive alike, and
lists without repeats."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from components.config.errors import ConfigError, shown
from components.contract import IAM_NAME_MAX_LENGTH, derive_session_role_name, person_os_user

_IAM_NAME = re.compile(r"[A-Za-z0-9_+=,.@-]+")
"""IAM user and role names: ASCII letters, digits and ``_+=,.@-``."""

_ACCOUNT_ID = re.compile(r"[0-9]{12}")

SOURCE_IDENTITY_MIN_LENGTH = 2
"""STS rejects a source identity shorter than 2 characters, and each user's name becomes one."""

CUSTOMER_LABEL = re.compile(r"[a-z0-9][a-z0-9-]{0,19}")
"""A customer's label: the their stack puts it in its IAM names (``3P_IAM_Assume_Role-acme``) and outputs, the
yours stack names it to pick its customer."""
LINUX_USER = re.compile(r"[a-z_][a-z0-9_-]{0,31}")
"""A Linux user name that useradd accepts everywhere: lowercase, digits, _ and -, up to 32 characters."""
SYSTEM_USERS = frozenset(
    {"root", "bin", "daemon", "adm", "lp", "sync", "shutdown", "halt", "mail", "operator", "games", "ftp", "nobody"}
)
SUDO_USERS = frozenset({"ec2-user", "ssm-user"})
"""Both have sudo on Amazon Linux: ec2-user from the image, ssm-user from SSM Agent."""
SYSTEMD_USERS_PREFIX = "systemd-"

_OS_USER_PREFIX = re.compile(r"[a-z_][a-z0-9_-]{0,28}[-_]")
"""2-30 characters ending in - or _, so that a person's user (the prefix and a name of 2 or more) fits 32."""
OS_USER_PREFIX_EXAMPLE = "tpa-"

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


def check_os_user_prefix(key: str, prefix: str) -> None:
    """The prefix of a party's per-person OS users: no system or sudo account can start with it."""
    if not _OS_USER_PREFIX.fullmatch(prefix):
        raise ConfigError(
            key,
            "expected 2-30 lowercase letters, digits, _ and -, starting with a letter or _ and ending in - or _ "
            f"(such as {OS_USER_PREFIX_EXAMPLE}), got {shown(prefix)}",
        )
    reserved = sorted(name for name in SYSTEM_USERS | SUDO_USERS if name.startswith(prefix))
    if SYSTEMD_USERS_PREFIX.startswith(prefix) or prefix.startswith(SYSTEMD_USERS_PREFIX):
        reserved.append(f"{SYSTEMD_USERS_PREFIX}*")
    if reserved:
        raise ConfigError(key, f"expected a prefix no system or sudo account starts with; {reserved[0]} does")


def check_person_os_user(key: str, prefix_key: str, prefix: str, person: str) -> str:
    """The OS user of one person of a party with per-person users, checked to be a Linux user name."""
    os_user = person_os_user(prefix, person)
    if not LINUX_USER.fullmatch(os_user):
        raise ConfigError(
            key,
            f"expected a name that makes a Linux user with {prefix_key} {prefix} (lowercase letters, digits, _ and -, "
            f"32 characters in all), got {shown(person)}",
        )
    return os_user


def reject_repeats(
    list_key: str, item_key: str | None, values: list[Any], what: str, *, normalize: Callable[[Any], Any] = str
) -> None:
    """Rejects the second of two equal entries (``None`` entries are skipped)."""
    first_index: dict[Any, int] = {}
    for index, value in enumerate(values):
        if value is None:
            continue
        normalized = normalize(value)
        if normalized in first_index:
            key = f"{list_key}[{index}]" + (f".{item_key}" if item_key else "")
            raise ConfigError(
                key, f"expected distinct {what}; {shown(value)} repeats {list_key}[{first_index[normalized]}]"
            )
        first_index[normalized] = index
