"""The config module alone: raw strings in, typed values or one clear error out."""

from __future__ import annotations

import json

import pytest

from components.cli_profile import profiles_written
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


ACME, GLOBEX = "111122223333", "999988887777"


def customers(*entries: dict[str, str]) -> dict[str, str]:
    """A their stack serving these customers (each in an account of its own unless it names one)."""
    accounts = iter(f"{n:012d}" for n in range(100000000001, 100000000100))
    listed = [{"yourAccountId": next(accounts), **entry} for entry in entries]
    return their(partyName=None, yourAccountId=None, customers=json.dumps(listed))


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
        # one OS user per person (issue 15)
        (their(osUserPrefix="TPA-"), "osUserPrefix", "lowercase"),
        (their(osUserPrefix="tpa"), "osUserPrefix", "ending in - or _"),
        (their(osUserPrefix="a" * 30 + "-"), "osUserPrefix", "2-30"),
        (their(osUserPrefix="ec2-"), "osUserPrefix", "ec2-user does"),
        (their(osUserPrefix="systemd-"), "osUserPrefix", "systemd-* does"),
        (their(osUserPrefix="tpa-", users=json.dumps(["alice", "Bob.Smith"])), "users[1]", "Linux user"),
        (their(osUserPrefix="tpa-", users=json.dumps(["alice", "b" * 29])), "users[1]", "32 characters in all"),
        (
            their(
                partyName=None,
                yourAccountId=None,
                customers=json.dumps(
                    [
                        {"name": "acme", "partyName": "Vendor", "yourAccountId": "111122223333"},
                        {"name": "initech", "partyName": "V", "yourAccountId": "444455556666", "osUserPrefix": "v-"},
                    ]
                ),
                users=json.dumps(["alice", "Bob"]),
            ),
            "users[1]",
            "with customers[1].osUserPrefix v-",
        ),
        # profiles and session roles of their own (issue 21, item 11)
        (their(partyName="日本", yourRoleName="VendorSessions"), "partyName", "for the AWS CLI profile name"),
        (
            customers({"name": "co-acme", "partyName": "Vendor"}, {"name": "acme", "partyName": "Vendor Co"}),
            "customers[1].name",
            '"acme" with partyName "Vendor Co" makes the same AWS CLI profile name vendor-co-acme as customers[0]',
        ),
        (
            customers({"name": "acme", "partyName": "Vendor"}, {"name": "acme-source", "partyName": "Vendor"}),
            "customers[1].name",
            "makes the same AWS CLI profile name vendor-acme-source as customers[0]",
        ),
        (
            customers(
                {"name": "acme", "partyName": "Vendor_Co", "yourAccountId": ACME},
                {"name": "acme-eu", "partyName": "Vendor Co", "yourAccountId": ACME},
            ),
            "customers[1].partyName",
            f"makes the same session role SSMStartSession_IAM_Role_VendorCo in account {ACME} as customers[0]",
        ),
        (
            customers(
                {"name": "acme", "partyName": "Vendor", "yourAccountId": ACME, "yourRoleName": "VendorSessions"},
                {"name": "acme-eu", "partyName": "V2", "yourAccountId": ACME, "yourRoleName": "vendorsessions"},
            ),
            "customers[1].yourRoleName",
            f"makes the same session role vendorsessions in account {ACME} as customers[0]",
        ),
        (
            {
                "account": "yours",
                "thirdParties": json.dumps(
                    [
                        {"name": "Vendor_Co", "stack": "o/p/a", "runAsUser": "vendor-a"},
                        {"name": "Vendor Co", "stack": "o/p/b", "runAsUser": "vendor-b"},
                    ]
                ),
            },
            "thirdParties[1].roleName",
            '"SSMStartSession_IAM_Role_VendorCo" repeats thirdParties[0]',  # one account: the yours stack's own
        ),
    ],
)
def test_each_bad_value_is_one_line_naming_the_key(raw, key, expectation):
    message = error_of(raw)
    assert message.startswith(f"third-party-ec2-access:{key}: ")
    assert expectation in message


def test_a_person_per_os_user_is_off_unless_a_prefix_is_set():
    assert parse_stack_config(their()).customers[0].os_user_prefix is None
    per_person = parse_stack_config(their(osUserPrefix="tpa-", users=json.dumps(["alice", "bob_2"])))
    assert per_person.customers[0].os_user_prefix == "tpa-"
    # A name that is fine in IAM but not on Linux is refused only when it must become an OS user.
    assert parse_stack_config(their(users=json.dumps(["Bob.Smith"]))).users == ("Bob.Smith",)


@pytest.mark.parametrize(
    "party_names",
    [("Vendor_Co", "Vendor Co"), ("Vendor_Co", "Vendor_Co"), ("Vendor_Co", "vendor-co")],
    ids=["differ-in-punctuation", "the-same", "differ-in-case"],
)
def test_customers_naming_the_vendor_alike_each_get_profiles_and_a_role_of_their_own(party_names):
    # Each customer picks the party name (its tag value); the vendor names its customers.
    config = parse_stack_config(
        customers(
            {"name": "acme", "partyName": party_names[0], "yourAccountId": ACME},
            {"name": "globex", "partyName": party_names[1], "yourAccountId": GLOBEX},
        )
    )
    acme, globex = (profiles_written(c.party_name, c.name) for c in config.customers)
    assert acme == ("vendor-co-acme", "vendor-co-acme-source")
    assert globex == ("vendor-co-globex", "vendor-co-globex-source")
    # Derived alike, in two accounts: IAM names are unique per account only.
    assert {c.your_role_name.casefold() for c in config.customers} == {"ssmstartsession_iam_role_vendorco"}
