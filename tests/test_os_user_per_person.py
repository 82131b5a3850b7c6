"""One OS user per person, across both stacks: the yours side learns a party's people from its their stack (or
from config), checks that both sides agree, and makes each person's user on the party's instances."""

from __future__ import annotations

import base64
import gzip

import pytest

from components.arns import assumed_role_arn, instance_arn
from components.contract import DEFAULT_TAG_KEY
from harness.aws_mocks import AwsMocks, StackReferenceOutputs
from harness.program_run import ProgramRun, stack_reference_outputs
from proof.access_model import collect_policies
from proof.iam_engine import Request, evaluate
from tests.stack_runs import THEIR_STACKS, run_their, run_yours, their_stack_references, yours_mocks

ASSOCIATION = "aws:ssm/association:Association"
STACK_B, ACCOUNT_B = THEIR_STACKS["Third_Party_B"]


def yours_with_their_b(*, expect_error: bool = False, **their_b_config) -> ProgramRun:
    """The reference yours stack, with party B's their stack run from this config."""
    their_b = run_their(AwsMocks(account_id=ACCOUNT_B), partyName="Third_Party_B", **their_b_config)
    references = {**their_stack_references(), STACK_B: stack_reference_outputs(their_b)}
    return run_yours(yours_mocks(stack_references=references), expect_error=expect_error)


def converge_script(run: ProgramRun, party: str) -> str:
    (association,) = [a for a in run.of_type(ASSOCIATION) if a.inputs["targets"][0]["values"] == [party]]
    return association.inputs["parameters"]["commands"]


def test_each_person_of_the_their_stack_gets_a_user_on_the_partys_instances(yours_run):
    script = converge_script(yours_run, "Third_Party_B")
    assert script.startswith("users='tpb-alice tpb-bob'\n")
    (instance_b,) = [i for i in yours_run.of_type("aws:ec2/instance:Instance") if i.name == "fleet-instance-b"]
    user_data = gzip.decompress(base64.b64decode(instance_b.inputs["userDataBase64"])).decode()
    assert user_data == "#!/bin/bash\n" + script  # the first session need not wait
    (association,) = [
        a for a in yours_run.of_type(ASSOCIATION) if a.inputs["targets"][0]["values"] == ["Third_Party_B"]
    ]
    assert association.inputs["associationName"] == "third-party-ec2-access-run-as-tpb-people"


def sessions_on_instance_b(run: ProgramRun, people: list[str]) -> dict[str, str]:
    """The IAM engine's decision, over the policies the run registered, on each person's session on instance B
    with party B's session role, as Session Manager authorizes it (the chain carries the person's name)."""
    account = run.account()
    role_name = run.stack_outputs["sessionRoles"]["Third_Party_B"].rsplit("/", 1)[1]
    target = instance_arn(account, run.stack_outputs["instances"]["instance-b"]["id"])
    policies = collect_policies(run)
    requests = [
        Request(
            assumed_role_arn(account.partition, account.account_id, role_name, person),
            "ssm:StartSession",
            target,
            account.account_id,
            {
                "aws:SourceIdentity": person,
                "aws:userid": f"AROAPARTYBSESSIONROLE:{person}",
                f"ssm:resourceTag/{DEFAULT_TAG_KEY}": "Third_Party_B",
                "ssm:SessionDocumentAccessCheck": "true",
            },
        )
        for person in people
    ]
    return dict(zip(people, evaluate([policies.simulation(r) for r in requests]), strict=True))


def test_a_person_removed_from_their_stack_is_refused_at_iam_on_the_next_update(yours_run):
    # Their account may still let bob through its local role (their admin's to decide): your role refuses him.
    assert sessions_on_instance_b(yours_run, ["alice", "bob"]) == {"alice": "Allowed", "bob": "Allowed"}
    run = yours_with_their_b(osUserPrefix="tpb-", users=["alice"])
    assert sessions_on_instance_b(run, ["alice", "bob"]) == {"alice": "Allowed", "bob": "ExplicitlyDenied"}


def test_a_person_added_to_their_stack_is_added_on_the_next_update():
    run = yours_with_their_b(osUserPrefix="tpb-", users=["alice", "bob", "carol"])
    assert converge_script(run, "Third_Party_B").startswith("users='tpb-alice tpb-bob tpb-carol'\n")


@pytest.mark.parametrize(
    ("their_b_config", "key", "expectation"),
    [
        ({}, "thirdParties[1].osUserPrefix", "declares osUserPrefix None; they must match"),
        ({"osUserPrefix": "vendor-"}, "thirdParties[1].osUserPrefix", "is 'tpb-' but stack"),
    ],
)
def test_both_sides_must_agree_on_one_user_per_person(their_b_config, key, expectation):
    run = yours_with_their_b(expect_error=True, **their_b_config)
    assert str(run.error).startswith(f"third-party-ec2-access:{key}: "), run.error
    assert expectation in str(run.error)
    assert "\n" not in str(run.error)


def test_a_their_stack_with_people_for_a_shared_user_party_is_one_clear_line():
    their_b = run_their(AwsMocks(account_id=ACCOUNT_B), partyName="Third_Party_B", osUserPrefix="tpb-")
    run = run_yours(
        yours_mocks(stack_references={**their_stack_references(), STACK_B: stack_reference_outputs(their_b)}),
        thirdParties=[
            {"name": "Third_Party_A", "stack": THEIR_STACKS["Third_Party_A"][0], "runAsUser": "third-party-a"},
            {"name": "Third_Party_B", "stack": STACK_B, "runAsUser": "third-party-b"},
        ],
        expect_error=True,
    )
    assert str(run.error).startswith("third-party-ec2-access:thirdParties[1]: has runAsUser but stack ")
    assert "set osUserPrefix 'tpb-' in place of runAsUser" in str(run.error)


@pytest.mark.parametrize("person", ["Bob.Smith", "x'; rm -rf / #", "alice bob"])
def test_a_person_that_is_no_linux_user_name_never_reaches_the_script(person):
    # A their stack is another company's: what it exports is checked before it goes into a shell script.
    their_b = run_their(AwsMocks(account_id=ACCOUNT_B), partyName="Third_Party_B", osUserPrefix="tpb-")
    outputs = {**their_b.stack_outputs, "people": ["alice", person]}
    references = {
        **their_stack_references(),
        STACK_B: StackReferenceOutputs(outputs, frozenset({"externalId"})),
    }
    run = run_yours(yours_mocks(stack_references=references), expect_error=True)
    assert str(run.error).startswith("third-party-ec2-access:thirdParties[1].stack (its people): expected a name")
    assert [a for a in run.of_type(ASSOCIATION) if person in str(a.inputs)] == []


def test_a_party_on_another_backend_names_its_people_in_config():
    run = run_yours(
        thirdParties=[
            {"name": "Third_Party_A", "stack": THEIR_STACKS["Third_Party_A"][0], "runAsUser": "third-party-a"},
            {
                "name": "Third_Party_B",
                "roleArn": f"arn:aws:iam::{ACCOUNT_B}:role/3P_IAM_Assume_Role",
                "externalId": "extid-123",
                "osUserPrefix": "tpb-",
                "people": ["carol", "dave"],
            },
        ],
        secret_keys=("thirdParties",),
    )
    assert converge_script(run, "Third_Party_B").startswith("users='tpb-carol tpb-dave'\n")
    assert run.stack_outputs["instances"]["instance-b"]["osUser"] == "tpb-<IAM user name>"
