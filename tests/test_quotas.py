"""AWS's quotas, as part of the proof: every document and name the programs register fits AWS's documented
limits, on the tests' configs (tests/fixtures/, examples/; tests/test_samples.py checks the committed
samples) and at the sizes the product claims (a their stack with 200 users, a yours stack with 50 parties
and 500 instances)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from benchmarks.scale import yours_config
from harness.aws_mocks import AwsMocks
from harness.program_run import ProgramRun, run_program
from proof.quotas import KMS_KEY_POLICY, ROLE_TRUST_POLICY, SNS_TOPIC_POLICY, iam_size, quota_violations
from tests.stack_runs import PARTY_A, THEIR_STACKS, run_their, run_yours
from tests.test_session_notifications import EMAILS, RULE, children

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
SESSION_ROLE_B = "SSMStartSession_IAM_Role_ThirdPartyB"
RAISED_TRUST_POLICY = 4096
"""The most a role's trust policy may hold, on request (IAM User Guide, "IAM and AWS STS quotas")."""
LONGEST_PEOPLE = [f"person{n:03}".ljust(30, "x") for n in range(200)]
"""200 people of the longest names a person may have: 30 characters, with a prefix of 2 in a Linux user of 32."""


def test_the_reference_stacks_fit(their_run, yours_run):
    assert quota_violations(their_run) == []
    assert quota_violations(yours_run) == []


def test_a_their_stack_with_200_users_fits():
    run = run_their(users=[f"user{n:03}" for n in range(200)], requireMfa=True)
    assert len(run.of_type("aws:iam/user:User")) == 200
    assert [str(v) for v in quota_violations(run)] == []


def fifty_parties_500_instances() -> ProgramRun:
    """The yours stack at the size the product claims, with session notifications: their topic's and key's
    policies name each of its 201 rules."""
    config = yours_config(50, 500) | {"third-party-ec2-access:notifications": json.dumps({"emails": EMAILS})}
    run = run_program(config, stack="yours", mocks=AwsMocks(), secret_keys=["third-party-ec2-access:thirdParties"])
    assert run.error is None, run.error
    return run


def test_a_yours_stack_with_50_parties_and_500_instances_fits():
    # One test for every claim on this run, the dearest of the suite: a fixture shared by several tests may be
    # built once on each worker that runs one of them.
    run = fifty_parties_500_instances()
    assert len(run.of_type("aws:ec2/instance:Instance")) == 500
    assert [str(v) for v in quota_violations(run)] == [], "the stack at 50 parties and 500 instances fits"

    rules = children(run, RULE)
    assert len(rules) == 50 * 4 + 1, "four rules a party, and the sweeper's"
    (topic_policy,) = children(run, "aws:sns/topicPolicy:TopicPolicy")
    (key,) = children(run, "aws:kms/key:Key")
    arns = sorted(r.outputs["arn"] for r in rules)
    topic_document = topic_policy.json_input("policy")
    (deny,) = [s for s in topic_document["Statement"] if s["Sid"] == "NoPublisherButTheStacksRules"]
    assert sorted(deny["Condition"]["ArnNotEquals"]["aws:SourceArn"]) == arns, "the topic policy names every rule"
    (allow,) = [s for s in key.json_input("policy")["Statement"] if s["Sid"] == "EventBridgePublishesForTheStacksRules"]
    assert sorted(allow["Condition"]["ArnEquals"]["aws:SourceArn"]) == arns, "the key policy names every rule"
    sizes = {"topic": len(topic_policy.inputs["policy"].encode()), "key": len(key.inputs["policy"].encode())}
    print(f"\nat 50 parties: the topic policy is {sizes['topic']} bytes, the key policy {sizes['key']}")
    # Room for longer partitions and regions than the tests' (aws-us-gov, a 14-character region: 12 bytes more
    # an ARN, 201 ARNs).
    assert sizes["topic"] + 201 * 12 <= SNS_TOPIC_POLICY, "the topic policy has room for a longer partition"
    assert sizes["key"] + 201 * 12 <= KMS_KEY_POLICY, "the key policy has room for a longer partition"

    # The check the proof runs (proof/quotas.py) reports a topic policy over SNS's limit: each ARN twice, about
    # 40 KB.
    deny["Condition"]["ArnNotEquals"]["aws:SourceArn"] *= 2
    policy = json.dumps(topic_document)
    doubled = dataclasses.replace(topic_policy, raw_inputs={**topic_policy.raw_inputs, "policy": policy})
    (violation,) = quota_violations(ProgramRun(resources=[doubled]))
    assert (violation.what, violation.limit) == ("its topic policy (bytes)", SNS_TOPIC_POLICY), "the check covers it"


def test_iam_counts_a_policy_without_its_white_space():
    assert iam_size('{"Version": "2012-10-17",\n  "Statement": []}') == len('{"Version":"2012-10-17","Statement":[]}')


def test_a_trust_listing_60_users_would_not_fit(their_run):
    # The shape the local role's trust had before it named the users' path: one ARN per user.
    role = next(r for r in their_run.of_type(ROLE) if r.name == "remote-access-local-role")
    users = [f"arn:aws:iam::222233334444:user/user{n:03}" for n in range(60)]
    listing = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": users}, "Action": "sts:AssumeRole"}],
    }
    old_shape = dataclasses.replace(role, raw_inputs={**role.raw_inputs, "assumeRolePolicy": json.dumps(listing)})
    (violation,) = quota_violations(ProgramRun(resources=[old_shape]))
    assert (violation.what, violation.limit) == ("its trust policy", ROLE_TRUST_POLICY)
    assert violation.size > ROLE_TRUST_POLICY


@pytest.fixture(scope="module")
def a_party_of_200_people() -> ProgramRun:
    return run_yours(
        thirdParties=[
            PARTY_A,
            {
                "name": "Third_Party_B",
                "roleArn": f"arn:aws:iam::{THEIR_STACKS['Third_Party_B'][1]}:role/3P_IAM_Assume_Role",
                "externalId": "partyB-external-id-0042",
                "osUserPrefix": "p-",
                "people": LONGEST_PEOPLE,
            },
        ],
        secret_keys=("thirdParties",),
    )


def test_a_party_of_200_people_of_the_longest_names_fits(a_party_of_200_people):
    (role,) = [r for r in a_party_of_200_people.of_type(ROLE) if r.inputs.get("name") == SESSION_ROLE_B]
    (policy,) = [p for p in a_party_of_200_people.of_type(ROLE_POLICY) if p.inputs["role"] == role.id]
    assert LONGEST_PEOPLE[-1] in policy.inputs["policy"]  # the people are listed in its inline policy
    print(f"\nthe session role's inline policy at 200 people of 30 characters: {iam_size(policy.inputs['policy'])}")
    violations = [str(v) for v in quota_violations(a_party_of_200_people)]
    assert [v for v in violations if SESSION_ROLE_B in v or role.id in v] == []


def test_listing_200_people_in_the_trust_would_not_fit_even_at_its_raised_quota(a_party_of_200_people):
    # Why the people are pinned by a deny in the permissions, not by sts:SourceIdentity in the trust.
    (role,) = [r for r in a_party_of_200_people.of_type(ROLE) if r.inputs.get("name") == SESSION_ROLE_B]
    trust = role.json_input("assumeRolePolicy")
    for statement in trust["Statement"]:
        statement["Condition"]["StringEquals"] = {
            **statement["Condition"].get("StringEquals", {}),
            "sts:SourceIdentity": LONGEST_PEOPLE,
        }
    pinned = dataclasses.replace(role, raw_inputs={**role.raw_inputs, "assumeRolePolicy": json.dumps(trust)})
    (violation,) = quota_violations(ProgramRun(resources=[pinned]))
    assert (violation.what, violation.limit) == ("its trust policy", ROLE_TRUST_POLICY)
    assert violation.size > RAISED_TRUST_POLICY
