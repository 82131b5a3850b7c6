"""A bad config value stops the whole program with one line, before any resource or invoke.

Each case runs __main__.py with the tests' stack file (tests/fixtures/, examples/) and one bad value.
"""

from __future__ import annotations

import pytest

from harness.program_run import run_program
from harness.stack_file import run_stack_file, stack_file_config
from tests.stack_runs import THEIR_STACK_FILE

# (key set, its bad value, key the error names, what the error expects)
THEIR_CASES = [
    ("yourAccountId", "12345", "yourAccountId", "12 digits"),
    ("yourAccountId", "11112222333x", "yourAccountId", "12 digits"),
    ("partyName", "Third Party!", "partyName", "tag value"),
    ("partyName", "Third_Party_With_A_Name_Far_Too_Long_For_An_IAM_Role", "partyName", "64 characters"),
    ("users", ["alice smith"], "users[0]", "IAM user name"),
    ("users", ["alice", "alice"], "users[1]", "repeats"),
    ("users", [], "users", "non-empty list"),
    ("requireMfa", "maybe", "requireMfa", "true or false"),
    ("accessKeySerial", "two", "accessKeySerial", "whole number"),
    ("accessKeySerial", True, "accessKeySerial", "whole number"),
    ("acessKeySerial", 2, "acessKeySerial", "unknown key"),
]


def assert_stopped_cleanly(run, key: str, expectation: str) -> None:
    assert run.error is not None, "the program should have stopped"
    message = str(run.error)
    assert message.startswith(f"third-party-ec2-access:{key}: ")
    assert expectation in message
    assert "\n" not in message
    assert run.resources == []
    assert run.invokes == []


@pytest.mark.parametrize(("key", "value", "named_key", "expectation"), THEIR_CASES)
def test_bad_their_value_stops_before_any_resource(key, value, named_key, expectation):
    run = run_stack_file(THEIR_STACK_FILE, **{key: value})
    assert_stopped_cleanly(run, named_key, expectation)


@pytest.mark.parametrize("account", [None, "theirs"])
def test_missing_or_unknown_account_stops_before_any_resource(account):
    config = stack_file_config(THEIR_STACK_FILE)
    config.pop("third-party-ec2-access:account")
    if account is not None:
        config["third-party-ec2-access:account"] = account
    assert_stopped_cleanly(run_program(config, stack="their"), "account", '"their"')


def test_a_role_of_another_partition_stops_before_any_resource():
    from tests.stack_runs import YOURS_STACK_FILE, yours_mocks

    party = {
        "name": "Third_Party_C",
        "roleArn": "arn:aws:iam::444455556666:role/3P_IAM_Assume_Role",
        "externalId": "partyC-external-id-0042",
        "runAsUser": "third-party-c",
    }
    run = run_stack_file(
        YOURS_STACK_FILE,
        mocks=yours_mocks(partition="aws-cn", region="cn-north-1"),
        secret_keys=("thirdParties",),
        thirdParties=[party],
        instances=[{"name": "c1", "grantedTo": "Third_Party_C"}],
    )
    assert run.error is not None
    assert str(run.error) == (
        "third-party-ec2-access:thirdParties[0].roleArn: expected a role in this stack's partition (aws-cn), "
        "got arn:aws:iam::444455556666:role/3P_IAM_Assume_Role"
    )
    assert run.resources == []
