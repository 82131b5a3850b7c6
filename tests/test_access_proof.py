"""Least privilege, proven: a real IAM engine decides every request of the decision table
(``proof/cases/``) over the policies both stacks actually registered (two parties; party A
requires MFA and expires).

Then each security condition is removed from the registered policies, one at a time, and at least one
decision of the table must change.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from components.contract import DEFAULT_TAG_KEY
from harness.aws_mocks import AwsMocks
from harness.program_run import stack_reference_outputs
from proof.access_model import RegisteredPolicies, collect_policies
from proof.cases import GROUPS, decide, decision_table
from proof.cases.world import THEIR_A, THEIR_B, YOURS, World
from proof.mutations import mutations, unnoticed
from tests.stack_runs import PARTY_B, THEIR_STACKS, YOUR_ACCOUNT, run_their, run_yours, their_runs, yours_mocks


@dataclass(frozen=True)
class Proof:
    world: World
    policies: RegisteredPolicies


@functools.cache
def registered_proof() -> Proof:
    """The world of both stacks' runs and the policies they registered, made once per test process: the tests
    here and tests/test_chain_requests.py read it, and none changes it (a mutation changes a copy)."""
    assert YOURS.account_id == YOUR_ACCOUNT
    assert THEIR_STACKS["Third_Party_B"][1] == THEIR_B, "the world's party B is the stack runs' party B"
    their_a = run_their(
        AwsMocks(account_id=THEIR_A), partyName="Third_Party_A", requireMfa=True, users=["alice", "bob"]
    )
    their_b = their_runs()["Third_Party_B"]
    expires = (datetime.now(UTC) + timedelta(days=90)).replace(microsecond=0)
    stack_a, stack_b = THEIR_STACKS["Third_Party_A"][0], THEIR_STACKS["Third_Party_B"][0]
    yours = run_yours(
        yours_mocks(
            stack_references={stack_a: stack_reference_outputs(their_a), stack_b: stack_reference_outputs(their_b)}
        ),
        thirdParties=[
            {
                "name": "Third_Party_A",
                "stack": stack_a,
                "runAsUser": "third-party-a",
                "expires": expires.isoformat(),
                "ports": [5432],
            },
            PARTY_B,
        ],
    )
    return Proof(World.of_runs(their_a, their_b, yours, expires), collect_policies(their_a, their_b, yours))


@pytest.fixture(scope="module")
def proof() -> Proof:
    return registered_proof()


def test_the_table_is_large_enough(proof):
    cases = decision_table(proof.world)
    assert len(cases) >= 30
    assert len({c.name for c in cases}) == len(cases)
    assert {c.expected for c in cases} == {"Allowed", "ImplicitlyDenied", "ExplicitlyDenied"}


def test_every_case_says_why_and_where_aws_documents_it(proof):
    cases = decision_table(proof.world)
    assert [c.name for c in cases if not (c.why.strip() and c.reference.strip())] == []
    assert {c.group for c in cases} == set(GROUPS)


def test_every_decision_is_the_expected_one(proof):
    cases = decision_table(proof.world)
    started = time.perf_counter()
    decisions = decide(proof.policies, cases)
    print(f"\n{len(cases)} decisions by the IAM engine in {time.perf_counter() - started:.2f}s (one Node process)")
    wrong = [
        f"{c.name}: expected {c.expected}, got {d}" for c, d in zip(cases, decisions, strict=True) if d != c.expected
    ]
    assert wrong == []


def test_removing_each_security_condition_changes_a_decision(proof):
    missed = unnoticed(mutations(DEFAULT_TAG_KEY), proof.policies, decision_table(proof.world))
    assert not missed, "\n".join(f"{name}: {why}" for name, why in missed.items())  # each, in full
