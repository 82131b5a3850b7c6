"""AWS's quotas, as part of the proof: every document and name the programs register fits AWS's documented
limits, on the committed configs and at the sizes the product claims (a their stack with 200 users, a
yours stack with 50 parties and 500 instances)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from benchmarks.scale import yours_config
from harness.aws_mocks import AwsMocks
from harness.program_run import ProgramRun, run_program
from proof.quotas import ROLE_TRUST_POLICY, iam_size, quota_violations
from tests.conftest import run_their

ROLE = "aws:iam/role:Role"


def test_the_committed_stacks_fit(their_run, yours_run):
    assert quota_violations(their_run) == []
    assert quota_violations(yours_run) == []


def test_a_their_stack_with_200_users_fits():
    run = run_their(users=[f"user{n:03}" for n in range(200)], requireMfa=True)
    assert len(run.of_type("aws:iam/user:User")) == 200
    assert [str(v) for v in quota_violations(run)] == []


@pytest.fixture(scope="module")
def fifty_parties_500_instances() -> ProgramRun:
    run = run_program(
        yours_config(50, 500), stack="yours", mocks=AwsMocks(), secret_keys=["third-party-ec2-access:thirdParties"]
    )
    assert run.error is None, run.error
    return run


def test_a_yours_stack_with_50_parties_and_500_instances_fits(fifty_parties_500_instances):
    assert len(fifty_parties_500_instances.of_type("aws:ec2/instance:Instance")) == 500
    assert [str(v) for v in quota_violations(fifty_parties_500_instances)] == []


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
