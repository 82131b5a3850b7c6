"""A vendor with many customers in one AWS account: one their stack, a group, a local role and an ExternalId
per customer, no IAM name twice; the yours side picks its customer from that stack."""

from __future__ import annotations

import configparser
import shlex

import botocore.configloader
import pytest

from components.arns import iam_role_arn
from harness.aws_mocks import AwsMocks
from harness.program_run import ProgramRun, stack_reference_outputs
from harness.wire import Secret, plain_occurrences
from proof.access_model import collect_policies
from proof.iam_engine import Request, evaluate
from tests.stack_runs import run_their, run_yours, yours_mocks

VENDOR = "222233334444"
ACME, GLOBEX = "111122223333", "999988887777"
CUSTOMERS = [
    {"name": "acme", "partyName": "Third_Party_A", "yourAccountId": ACME},
    {"name": "globex", "partyName": "Vendor_Co", "yourAccountId": GLOBEX, "users": ["bob"]},
]
STACK = "organization/third-party-ec2-access/their"
ROLE = "aws:iam/role:Role"
ONE_CUSTOMER = ("partyName", "yourAccountId")
"""The tests' their stack file's single-customer keys, taken out when customers replaces them."""


@pytest.fixture(scope="module")
def vendor() -> ProgramRun:
    return run_their(AwsMocks(account_id=VENDOR), customers=CUSTOMERS, users=["alice", "bob"], remove=ONE_CUSTOMER)


def names(run: ProgramRun, type_token: str) -> list[str]:
    return sorted(r.inputs["name"] for r in run.of_type(type_token))


def test_no_iam_name_is_registered_twice(vendor):
    assert names(vendor, "aws:iam/role:Role") == ["3P_IAM_Assume_Role-acme", "3P_IAM_Assume_Role-globex"]
    assert names(vendor, "aws:iam/group:Group") == ["GroupRemoteAccess-acme", "GroupRemoteAccess-globex"]
    assert names(vendor, "aws:iam/user:User") == ["alice", "bob"]  # one person, one user, for every customer
    members = {m.inputs["group"]: m.inputs["users"] for m in vendor.of_type("aws:iam/groupMembership:GroupMembership")}
    assert members == {"GroupRemoteAccess-acme": ["alice", "bob"], "GroupRemoteAccess-globex": ["bob"]}


def test_each_customer_has_its_own_external_id_and_role_in_its_account(vendor):
    outputs = vendor.stack_outputs
    assert set(outputs) == {"accountId", "users", "customers", "externalIds"}
    ids = outputs["externalIds"]
    assert all(isinstance(value, Secret) for value in vendor.raw_stack_outputs["externalIds"].values())
    for external_id in ids.values():
        assert plain_occurrences(vendor.raw_stack_outputs, external_id) == []
        for resource in vendor.resources:
            assert plain_occurrences(resource.raw_inputs, external_id) == [], resource.name
    assert set(ids) == {"acme", "globex"}
    assert ids["acme"] != ids["globex"]
    acme, globex = outputs["customers"]["acme"], outputs["customers"]["globex"]
    assert acme["yourRoleArn"] == iam_role_arn("aws", ACME, "SSMStartSession_IAM_Role_ThirdPartyA")
    assert globex["yourRoleArn"] == iam_role_arn("aws", GLOBEX, "SSMStartSession_IAM_Role_VendorCo")
    assert set(acme["awsCliConfig"]) == {"alice", "bob"}
    assert set(globex["awsCliConfig"]) == {"bob"}
    assert "[profile vendor-co-globex]" in globex["awsCliConfig"]["bob"]


def test_only_a_customers_users_may_take_its_local_role(vendor):
    policies = collect_policies(vendor)
    users = {u.inputs["name"]: u.outputs["arn"] for u in vendor.of_type("aws:iam/user:User")}
    globex_role = vendor.stack_outputs["customers"]["globex"]["assumeRoleArn"]

    def asks(user: str) -> Request:
        context = {
            "aws:PrincipalArn": users[user],
            "aws:username": user,
            "sts:SourceIdentity": user,
            "sts:RoleSessionName": user,
        }
        return Request(users[user], "sts:AssumeRole", globex_role, VENDOR, context)

    assert evaluate([policies.simulation(asks("bob")), policies.simulation(asks("alice"))]) == [
        "Allowed",
        "ImplicitlyDenied",  # alice serves acme only: not in globex's group
    ]


def test_the_yours_side_picks_its_customer_from_the_vendors_stack(vendor):
    references = {STACK: stack_reference_outputs(vendor)}
    run = run_yours(
        yours_mocks(stack_references=references),
        thirdParties=[{"name": "Third_Party_A", "stack": STACK, "customer": "acme", "runAsUser": "third-party-a"}],
        instances=[{"name": "instance-a", "grantedTo": "Third_Party_A"}],
    )
    role = next(r for r in run.of_type(ROLE) if r.inputs.get("name") == "SSMStartSession_IAM_Role_ThirdPartyA")
    assume = role.json_input("assumeRolePolicy")["Statement"][0]
    assert assume["Principal"] == {"AWS": vendor.stack_outputs["customers"]["acme"]["assumeRoleArn"]}
    assert assume["Condition"]["StringEquals"]["sts:ExternalId"] == vendor.stack_outputs["externalIds"]["acme"]


def option(command: str, name: str) -> str:
    words = shlex.split(command)
    return words[words.index(name) + 1]


def reaching_profile(config_text: str) -> str:
    """The profile of a profile text that reaches the customer's account (the one the helper serves)."""
    parser = configparser.RawConfigParser()
    parser.read_string(config_text)
    (section,) = [s for s in parser.sections() if parser.has_option(s, "credential_process")]
    return section.removeprefix("profile ")


def test_the_connect_commands_name_the_profile_the_vendors_stack_wrote(vendor):
    run = run_yours(
        yours_mocks(stack_references={STACK: stack_reference_outputs(vendor)}),
        thirdParties=[{"name": "Third_Party_A", "stack": STACK, "customer": "acme", "runAsUser": "third-party-a"}],
        instances=[{"name": "instance-a", "grantedTo": "Third_Party_A"}],
    )
    (command,) = run.stack_outputs["connectCommands"]["Third_Party_A"].values()
    alices_profile_text = vendor.stack_outputs["customers"]["acme"]["awsCliConfig"]["alice"]
    assert option(command, "--profile") == reaching_profile(alices_profile_text) == "third-party-a-acme"


def test_customers_naming_the_vendor_alike_give_one_user_profiles_and_external_id_files_apart(tmp_path):
    # Each customer picks the party name (its tag value): these differ only in punctuation.
    alike = [
        {"name": "acme", "partyName": "Vendor_Co", "yourAccountId": ACME},
        {"name": "globex", "partyName": "Vendor Co", "yourAccountId": GLOBEX},
    ]
    run = run_their(AwsMocks(account_id=VENDOR), customers=alike, users=["alice"], remove=ONE_CUSTOMER)
    texts = {name: c["awsCliConfig"]["alice"] for name, c in run.stack_outputs["customers"].items()}
    # alice pastes both into one ~/.aws/config, which the AWS CLI reads with botocore's parser.
    config_file = tmp_path / "config"
    config_file.write_text("\n".join(texts.values()))
    profiles = botocore.configloader.load_config(str(config_file))["profiles"]
    helpers = {name: profiles[reaching_profile(text)]["credential_process"] for name, text in texts.items()}
    external_id_files = {name: option(helper, "--external-id-file") for name, helper in helpers.items()}
    your_roles = {name: option(helper, "--your-role-arn") for name, helper in helpers.items()}
    assert len(set(external_id_files.values())) == 2, external_id_files
    assert your_roles == {name: c["yourRoleArn"] for name, c in run.stack_outputs["customers"].items()}
    assert len(profiles) == 4  # each customer's profile and source profile


def test_a_customer_the_vendors_stack_does_not_serve_is_one_clear_line(vendor):
    run = run_yours(
        yours_mocks(stack_references={STACK: stack_reference_outputs(vendor)}),
        thirdParties=[{"name": "Third_Party_A", "stack": STACK, "customer": "initech", "runAsUser": "third-party-a"}],
        instances=[{"name": "instance-a", "grantedTo": "Third_Party_A"}],
        expect_error=True,
    )
    assert str(run.error).startswith(
        f'third-party-ec2-access:thirdParties[0].customer: expected stack {STACK} to export "customers.initech"'
    )


@pytest.mark.parametrize(
    ("config", "key", "expectation"),
    [
        ({"customers": CUSTOMERS}, "partyName", "belongs in each entry of customers"),
        ({"customers": [CUSTOMERS[0], CUSTOMERS[0]], "remove": ONE_CUSTOMER}, "customers[1].name", "repeats"),
        (
            {"customers": [{**CUSTOMERS[1], "users": ["carol"]}], "remove": ONE_CUSTOMER},
            "customers[0].users[0]",
            "one of the stack's users",
        ),
        (
            {"customers": [{**CUSTOMERS[0], "name": "Acme Corp"}], "remove": ONE_CUSTOMER},
            "customers[0].name",
            "lowercase",
        ),
        ({"customers": [], "remove": ONE_CUSTOMER}, "customers", "at least one customer"),
    ],
)
def test_bad_customers_are_one_line_before_any_resource(config, key, expectation):
    config = dict(config)
    run = run_their(expect_error=True, **config)
    assert str(run.error).startswith(f"third-party-ec2-access:{key}: ")
    assert expectation in str(run.error)
    assert run.resources == []
