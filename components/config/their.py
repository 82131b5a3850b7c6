"""The their stack's config: the party, the account it chains into, and its users."""

from __future__ import annotations

from dataclasses import dataclass

from components.config.checks import check_account_id, check_iam_name, check_party_name, derived_role_name
from components.config.errors import ConfigError, RawValues, shown

THEIR_KEYS = frozenset(
    {"account", "partyName", "yourAccountId", "yourRoleName", "users", "requireMfa", "accessKeySerial"}
)

DEFAULT_USERS = ("alice",)

SOURCE_IDENTITY_MIN_LENGTH = 2
"""STS rejects a source identity shorter than 2 characters, and each user's name becomes one."""


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


def parse_their_config(values: RawValues) -> TheirStackConfig:
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


def _users(values: RawValues) -> tuple[str, ...]:
    users = values.structured("users", default=list(DEFAULT_USERS))
    if not isinstance(users, list) or not users:
        raise ConfigError("users", f"expected a non-empty list of IAM user names, got {shown(users)}")
    seen: dict[str, int] = {}
    for index, user in enumerate(users):
        key = f"users[{index}]"
        if not isinstance(user, str):
            raise ConfigError(key, f"expected an IAM user name, got {shown(user)}")
        check_iam_name(key, user, "an IAM user name", min_length=SOURCE_IDENTITY_MIN_LENGTH)
        # IAM names are unique regardless of case, so Alice and alice are the same user.
        folded = user.casefold()
        if folded in seen:
            raise ConfigError(key, f"expected each user once; {shown(user)} repeats users[{seen[folded]}]")
        seen[folded] = index
    return tuple(users)
