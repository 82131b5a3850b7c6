"""The contract between the stacks: each their stack, run under mocks, feeds the yours stack.

The their outputs reach the yours program exactly as a StackReference reads them (values, and
which are secret). The roles must point at each other and the ExternalId must match, secret all
along.
"""

from __future__ import annotations

import pytest

from harness.program_run import ProgramRun
from harness.wire import Secret, plain_occurrences
from tests import stack_runs
from tests.stack_runs import THEIR_STACKS, YOUR_ACCOUNT


@pytest.fixture(scope="module")
def their_runs() -> dict[str, ProgramRun]:
    """Each party's their run: the very runs whose outputs the reference yours run (``yours_run``) read through
    its stack references (tests/stack_runs.py, ``their_stack_references``)."""
    return stack_runs.their_runs()


def session_role(run: ProgramRun, role_arn: str):
    (role,) = [r for r in run.of_type("aws:iam/role:Role") if r.outputs["arn"] == role_arn]
    return role


@pytest.mark.parametrize("party", sorted(THEIR_STACKS))
def test_their_stack_may_assume_exactly_the_role_yours_creates(party, their_runs, yours_run):
    their = their_runs[party].stack_outputs
    assert their["yourRoleArn"] == yours_run.stack_outputs["sessionRoles"][party]
    assert their["yourRoleArn"].split(":")[4] == YOUR_ACCOUNT
    their_permission = their_runs[party].one("aws:iam/rolePolicy:RolePolicy")
    assert {s["Resource"] for s in their_permission.json_input("policy")["Statement"]} == {their["yourRoleArn"]}


@pytest.mark.parametrize("party", sorted(THEIR_STACKS))
def test_yours_trusts_exactly_their_local_role_with_the_same_external_id(party, their_runs, yours_run):
    their = their_runs[party].stack_outputs
    role = session_role(yours_run, yours_run.stack_outputs["sessionRoles"][party])
    assume, carry, *tag_own_os_user = role.json_input("assumeRolePolicy")["Statement"]
    assert assume["Principal"] == carry["Principal"] == {"AWS": their["assumeRoleArn"]}
    assert [s["Principal"] for s in tag_own_os_user] == [{"AWS": their["assumeRoleArn"]}] * len(tag_own_os_user)
    assert their["assumeRoleArn"] == their_runs[party].one("aws:iam/role:Role").outputs["arn"]
    assert assume["Condition"]["StringEquals"]["sts:ExternalId"] == their["externalId"]
    their_condition = their_runs[party].one("aws:iam/rolePolicy:RolePolicy").json_input("policy")["Statement"][0]
    assert their_condition["Condition"]["StringEquals"]["sts:ExternalId"] == their["externalId"]


def test_each_party_has_its_own_external_id(their_runs):
    external_ids = {run.stack_outputs["externalId"] for run in their_runs.values()}
    assert len(external_ids) == len(their_runs)


@pytest.mark.parametrize("party", sorted(THEIR_STACKS))
def test_the_external_id_stays_secret_end_to_end(party, their_runs, yours_run):
    their_run = their_runs[party]
    external_id = their_run.stack_outputs["externalId"]
    assert isinstance(their_run.raw_stack_outputs["externalId"], Secret)
    yours = yours_run
    role = session_role(yours, yours.stack_outputs["sessionRoles"][party])
    assert isinstance(role.raw_inputs["assumeRolePolicy"], Secret)
    for run in (their_run, yours):
        assert plain_occurrences(run.raw_stack_outputs, external_id) == []
        for resource in run.resources:
            assert plain_occurrences(resource.raw_inputs, external_id) == [], resource.name


def test_both_sides_agree_on_each_persons_os_user(their_runs, yours_run):
    # Party B gives each person an OS user: its local role may send, and your trust accepts, the same tag.
    their = their_runs["Third_Party_B"]
    role = session_role(yours_run, yours_run.stack_outputs["sessionRoles"]["Third_Party_B"])
    (yours_tagging,) = [s for s in role.json_input("assumeRolePolicy")["Statement"] if s["Action"] == "sts:TagSession"]
    (their_tagging,) = [
        s
        for s in their.one("aws:iam/rolePolicy:RolePolicy").json_input("policy")["Statement"]
        if s["Action"] == "sts:TagSession"
    ]
    assert their_tagging["Resource"] == their.stack_outputs["yourRoleArn"]
    assert their_tagging["Condition"] == yours_tagging["Condition"]
    assert yours_tagging["Condition"]["StringEquals"] == {"aws:RequestTag/SSMSessionRunAs": "tpb-${aws:SourceIdentity}"}
    assert their.stack_outputs["osUserPrefix"] == "tpb-"
    assert their.stack_outputs["people"] == ["alice", "bob"]
    assert "--os-user-prefix tpb-" in their.stack_outputs["awsCliConfig"]["bob"]
