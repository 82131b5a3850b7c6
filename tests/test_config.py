"""The config module alone: raw strings in, typed values or one clear error out."""

from __future__ import annotations

import json

import pytest

from components.config import ConfigError, TheirStackConfig, YoursStackConfig, parse_stack_config
from components.config.their import CustomerConfig

THEIR = {"account": "their", "partyName": "Third_Party_A", "yourAccountId": "111122223333"}


def their(**changes: str | None) -> dict[str, str]:
    raw = {**THEIR, **changes}
    return {key: value for key, value in raw.items() if value is not None}


def error_of(raw: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_stack_config(raw)
    message = str(caught.value)
    assert "\n" not in message, "a config error is one line"
    return message


def test_their_defaults():
    config = parse_stack_config(their())
    assert config == TheirStackConfig(
        customers=(
            CustomerConfig(None, "Third_Party_A", "111122223333", "SSMStartSession_IAM_Role_ThirdPartyA", ("alice",)),
        ),
        users=("alice",),
        require_mfa=False,
        access_key_serial=1,
    )


def test_their_explicit_values():
    config = parse_stack_config(
        their(
            yourRoleName="VendorSessions",
            users=json.dumps(["alice", "bob.smith@acme"]),
            requireMfa="true",
            accessKeySerial="7",
        )
    )
    assert config.customers[0].your_role_name == "VendorSessions"
    assert config.users == ("alice", "bob.smith@acme")
    assert config.require_mfa is True
    assert config.access_key_serial == 7


def test_yours_account_is_recognised():
    assert isinstance(parse_stack_config({"account": "yours"}), YoursStackConfig)


@pytest.mark.parametrize(
    ("raw", "key", "expectation"),
    [
        ({}, "account", '"their"'),
        ({"account": "mine"}, "account", '"yours"'),
        (their(partyName=None), "partyName", "required"),
        (their(yourAccountId="12345"), "yourAccountId", "12 digits"),
        (their(yourAccountId="1111222233334"), "yourAccountId", "12 digits"),
        (their(yourAccountId="11112222333a"), "yourAccountId", "12 digits"),
        (their(partyName="Third Party!"), "partyName", "tag value"),
        (their(partyName="x" * 257), "partyName", "tag value"),
        (their(partyName="A" * 40), "partyName", "64 characters"),
        (their(partyName="__"), "partyName", "ASCII letter or digit"),
        (their(yourRoleName="bad role"), "yourRoleName", "IAM role name"),
        (their(users=json.dumps(["alice smith"])), "users[0]", "IAM user name"),
        (their(users=json.dumps(["alice", "a" * 65])), "users[1]", "IAM user name"),
        (their(users=json.dumps(["a"])), "users[0]", "2-64"),
        (their(users=json.dumps(["alice", 7])), "users[1]", "IAM user name"),
        (their(users=json.dumps(["alice", "Alice"])), "users[1]", "repeats users[0]"),
        (their(users="[]"), "users", "non-empty list"),
        (their(users="alice"), "users", "non-empty list"),
        (their(requireMfa="yes"), "requireMfa", "true or false"),
        (their(accessKeySerial="abc"), "accessKeySerial", "whole number"),
        (their(accessKeySerial="1.5"), "accessKeySerial", "whole number"),
        (their(accessKeySerial="0"), "accessKeySerial", "at least 1"),
        (their(requireMFA="true"), "requireMFA", "unknown key"),
        ({"account": "yours", "partyName": "X"}, "partyName", "unknown key for a yours stack"),
    ],
)
def test_each_bad_value_is_one_line_naming_the_key(raw, key, expectation):
    message = error_of(raw)
    assert message.startswith(f"third-party-ec2-access:{key}: ")
    assert expectation in message
