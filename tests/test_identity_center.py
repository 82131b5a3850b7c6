"""The their stack when the people sign in through IAM Identity Center (``identityCenter``) or through the
vendor's identity provider into roles of its own (``federatedRoles``): no IAM user, access key or secret, the
local role's trust decided by the IAM engine over what the program registered, each new condition's removal
noticed, bad config stopped in one line, and the rest (per-person OS users, the yours side, the quotas at 200
people, the policy pack, the access report) still working."""

from __future__ import annotations

import configparser
import dataclasses
import json
from collections import Counter

import pytest
import yaml

from components.remote_access_policies import ROLE_INLINE_POLICIES_QUOTA
from harness.aws_mocks import AwsMocks
from harness.program_run import ProgramRun, stack_reference_outputs
from harness.stack_file import run_stack_file
from policy_pack.security_bar import POLICIES
from proof.access_model import collect_policies
from proof.cases import decide, decide_over
from proof.cases.case import Case
from proof.cases.identity_center import (
    FederatedNames,
    HopTwoNames,
    IdentityCenterNames,
    federated_cases,
    hop_2_cases,
    identity_center_cases,
)
from proof.cases.world import THEIR_A, THEIR_B
from proof.mutations import sign_in_mutations, unnoticed
from proof.quotas import ROLE_INLINE_POLICIES, iam_size, quota_violations
from tests.stack_runs import THEIR_STACK_FILE, run_their, run_yours, yours_mocks
from tests.test_access_report import report
from tests.test_config_errors_stop_the_program import assert_stopped_cleanly
from tests.test_policy_pack import policy_resources, violations

ROLE = "aws:iam/role:Role"
PERMISSION_SET = "aws:ssoadmin/permissionSet:PermissionSet"
INLINE_POLICY = "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy"
IDENTITY_CENTER = {
    "permissionSetName": "VendorEngineers",
    "userAttribute": "userName",
    "instanceArn": "arn:aws:sso:::instance/ssoins-0123456789abcdef",
    "startUrl": "https://vendor.awsapps.com/start",
}
FEDERATED_ROLES = ["VendorEngineers", f"arn:aws:iam::{THEIR_B}:role/saml/VendorOnCall"]
PEOPLE = ["alice", "bob"]
NO_USERS = ("users",)
"""The tests' their stack file lists users; these modes replace them."""


def run_identity_center(mocks: AwsMocks | None = None, **overrides) -> ProgramRun:
    return run_their(
        mocks or AwsMocks(account_id=THEIR_A),
        remove=NO_USERS,
        **{"identityCenter": IDENTITY_CENTER, "people": PEOPLE, "osUserPrefix": "tpa-", **overrides},
    )


def run_identity_center_shared(**overrides) -> ProgramRun:
    """Identity Center with no OS user per person: your account's party has one shared OS user (runAsUser)."""
    return run_their(
        AwsMocks(account_id=THEIR_A),
        remove=NO_USERS,
        **{"identityCenter": IDENTITY_CENTER, "people": PEOPLE, **overrides},
    )


def run_federated(*, expect_error: bool = False, **overrides) -> ProgramRun:
    return run_their(
        AwsMocks(account_id=THEIR_B),
        expect_error=expect_error,
        remove=NO_USERS,
        **{"federatedRoles": FEDERATED_ROLES, "people": PEOPLE, **overrides},
    )


@pytest.fixture(scope="module")
def identity_center_run() -> ProgramRun:
    return run_identity_center()


@pytest.fixture(scope="module")
def federated_run() -> ProgramRun:
    return run_federated()


def trust(run: ProgramRun) -> dict:
    (role,) = run.of_type(ROLE)
    return role.json_input("assumeRolePolicy")


# -- what the stack registers ----------------------------------------------------------------------------


def test_identity_center_registers_no_iam_user_access_key_or_secret(identity_center_run):
    assert Counter(r.type for r in identity_center_run.resources) == {
        "third-party-ec2-access:remote_access:RemoteAccessIdentity": 1,
        "random:index/randomPassword:RandomPassword": 1,
        ROLE: 1,
        "aws:iam/rolePolicy:RolePolicy": 1,
        PERMISSION_SET: 1,
        INLINE_POLICY: 1,
    }
    assert "users" not in identity_center_run.stack_outputs


def test_federated_roles_register_no_iam_user_access_key_or_secret(federated_run):
    assert Counter(r.type for r in federated_run.resources) == {
        "third-party-ec2-access:remote_access:RemoteAccessIdentity": 1,
        "random:index/randomPassword:RandomPassword": 1,
        ROLE: 1,
        "aws:iam/rolePolicy:RolePolicy": 1,
    }
    assert "users" not in federated_run.stack_outputs


def test_without_an_instance_arn_the_admin_adds_the_inline_policy():
    run = run_identity_center(identityCenter={k: v for k, v in IDENTITY_CENTER.items() if k != "instanceArn"})
    assert run.of_type(PERMISSION_SET) == run.of_type(INLINE_POLICY) == []
    assert json.loads(run.stack_outputs["identityCenter"]["inlinePolicy"])["Statement"]


def test_the_managed_permission_set_holds_exactly_the_policy_the_stack_outputs(identity_center_run):
    permission_set = identity_center_run.one(PERMISSION_SET)
    assert (permission_set.inputs["name"], permission_set.inputs["instanceArn"]) == (
        IDENTITY_CENTER["permissionSetName"],
        IDENTITY_CENTER["instanceArn"],
    )
    inline = identity_center_run.one(INLINE_POLICY)
    output = identity_center_run.stack_outputs["identityCenter"]
    assert inline.json_input("inlinePolicy") == json.loads(output["inlinePolicy"])
    assert {s["Resource"][0] for s in inline.json_input("inlinePolicy")["Statement"]} == {
        identity_center_run.stack_outputs["assumeRoleArn"]
    }


def test_each_persons_profile_is_an_sso_profile_naming_them(identity_center_run):
    for person, text in identity_center_run.stack_outputs["awsCliConfig"].items():
        parser = configparser.ConfigParser()
        parser.read_string(text)
        source = parser["profile third-party-a-source"]
        assert (source["sso_account_id"], source["sso_role_name"]) == (THEIR_A, "VendorEngineers")
        assert parser[f"sso-session {source['sso_session']}"]["sso_start_url"] == IDENTITY_CENTER["startUrl"]
        helper = parser["profile third-party-a"]["credential_process"].split()
        assert helper[helper.index("--source-identity") + 1] == person
        assert "--mfa-serial" not in helper
        assert "access key" not in text


def test_a_federated_role_given_by_name_is_this_accounts_role_without_a_path(federated_run):
    assert federated_run.stack_outputs["federatedRoles"]["roleArns"] == [
        f"arn:aws:iam::{THEIR_B}:role/VendorEngineers",
        FEDERATED_ROLES[1],
    ]
    (assume, _carry) = trust(federated_run)["Statement"]
    assert (
        assume["Condition"]["ArnEquals"]["aws:PrincipalArn"]
        == federated_run.stack_outputs["federatedRoles"]["roleArns"]
    )


def test_a_federated_role_of_another_account_stops_before_any_resource():
    run = run_federated(federatedRoles=["arn:aws:iam::999988887777:role/VendorEngineers"], expect_error=True)
    assert run.error is not None
    message = str(run.error)
    assert message.startswith("third-party-ec2-access:federatedRoles[0]: expected a role of this account")
    assert "\n" not in message
    assert run.resources == []


# -- bad config: one line naming the key, before any resource ----------------------------------------------

BAD = [
    ({"identityCenter": IDENTITY_CENTER, "people": PEOPLE}, (), "identityCenter", "replaces users"),
    (
        {"federatedRoles": ["R1"], "identityCenter": IDENTITY_CENTER, "people": PEOPLE},
        NO_USERS,
        "federatedRoles",
        "replaces identityCenter",
    ),
    (
        {"identityCenter": {**IDENTITY_CENTER, "permissionSetName": ""}, "people": PEOPLE},
        NO_USERS,
        "identityCenter.permissionSetName",
        "required",
    ),
    (
        {"identityCenter": {**IDENTITY_CENTER, "permissionSetName": "x" * 33}, "people": PEOPLE},
        NO_USERS,
        "identityCenter.permissionSetName",
        "1-32",
    ),
    (
        {"identityCenter": {**IDENTITY_CENTER, "userAttribute": "user name"}, "people": PEOPLE},
        NO_USERS,
        "identityCenter.userAttribute",
        "attribute for access control",
    ),
    (
        {"identityCenter": {**IDENTITY_CENTER, "userAttribute": "aws:userName"}, "people": PEOPLE},
        NO_USERS,
        "identityCenter.userAttribute",
        "not starting with aws:",
    ),
    (
        {"identityCenter": {**IDENTITY_CENTER, "userAtribute": "x"}, "people": PEOPLE},
        NO_USERS,
        "identityCenter.userAtribute",
        "unknown key",
    ),
    (
        {"identityCenter": {**IDENTITY_CENTER, "instanceArn": "ssoins-1"}, "people": PEOPLE},
        NO_USERS,
        "identityCenter.instanceArn",
        "instance ARN",
    ),
    ({"identityCenter": IDENTITY_CENTER}, NO_USERS, "people", "non-empty list"),
    ({"identityCenter": IDENTITY_CENTER, "people": ["alice", "alice"]}, NO_USERS, "people[1]", "repeats"),
    ({"identityCenter": IDENTITY_CENTER, "people": ["alice smith"]}, NO_USERS, "people[0]", "source identity"),
    (
        {"identityCenter": IDENTITY_CENTER, "people": ["Alice"], "osUserPrefix": "tpa-"},
        NO_USERS,
        "people[0]",
        "Linux user",
    ),
    (
        {"identityCenter": IDENTITY_CENTER, "people": PEOPLE, "requireMfa": True},
        NO_USERS,
        "requireMfa",
        "IAM users only",
    ),
    ({"federatedRoles": ["a role"], "people": PEOPLE}, NO_USERS, "federatedRoles[0]", "IAM role name"),
    ({"federatedRoles": ["arn:aws:iam::1:role/x"], "people": PEOPLE}, NO_USERS, "federatedRoles[0]", "IAM role ARN"),
    ({"federatedRoles": [], "people": PEOPLE}, NO_USERS, "federatedRoles", "non-empty list"),
    ({"federatedRoles": ["R1", "R1"], "people": PEOPLE}, NO_USERS, "federatedRoles[1]", "repeats"),
    ({"federatedRoles": ["R1"]}, NO_USERS, "people", "non-empty list"),
    ({"people": PEOPLE}, (), "people", "IAM users are in users"),
]


@pytest.mark.parametrize(("overrides", "remove", "key", "expectation"), BAD)
def test_bad_sign_in_config_stops_before_any_resource(overrides, remove, key, expectation):
    assert_stopped_cleanly(run_stack_file(THEIR_STACK_FILE, remove=remove, **overrides), key, expectation)


def test_customers_cannot_pick_people_when_every_session_serves_every_customer():
    customers = [
        {"name": "acme", "partyName": "Third_Party_A", "yourAccountId": "111122223333"},
        {"name": "globex", "partyName": "Vendor_Co", "yourAccountId": "999988887777", "users": ["bob"]},
    ]
    run = run_stack_file(
        THEIR_STACK_FILE,
        remove=("users", "partyName", "yourAccountId"),
        identityCenter=IDENTITY_CENTER,
        people=PEOPLE,
        customers=customers,
    )
    assert_stopped_cleanly(run, "customers[1].users", "every person serves every customer")


# -- the proof: the engine decides the trust, and notices each condition's removal --------------------------


IDC_STACK, FEDERATED_STACK = (
    "organization/third-party-ec2-access/their-idc",
    "organization/third-party-ec2-access/their-fed",
)


def yours_of(idc: ProgramRun, federated: ProgramRun) -> ProgramRun:
    """A yours stack granting both their stacks' parties with one shared OS user each (runAsUser): no people list
    on your side, so only the their stack's own policy can refuse someone not in its people."""
    return run_yours(
        yours_mocks(
            stack_references={
                IDC_STACK: stack_reference_outputs(idc),
                FEDERATED_STACK: stack_reference_outputs(federated),
            }
        ),
        thirdParties=[
            {"name": "Third_Party_A", "stack": IDC_STACK, "runAsUser": "third-party-a"},
            {"name": "Third_Party_B", "stack": FEDERATED_STACK, "runAsUser": "third-party-b"},
        ],
        instances=[
            {"name": "instance-a", "grantedTo": "Third_Party_A"},
            {"name": "instance-b", "grantedTo": "Third_Party_B"},
        ],
    )


def hop_2_of(their: ProgramRun, yours: ProgramRun, party: str) -> HopTwoNames:
    return HopTwoNames(their.stack_outputs, yours.stack_outputs["sessionRoles"][party])


@pytest.fixture(scope="module")
def shared_run():
    return run_identity_center_shared()


@pytest.fixture(scope="module")
def federated_b_run():
    """Federated roles, as party B of your account."""
    return run_federated(partyName="Third_Party_B")


@pytest.fixture(scope="module")
def yours_run(shared_run, federated_b_run):
    return yours_of(shared_run, federated_b_run)


@pytest.fixture(scope="module")
def sign_in_proof(shared_run, federated_b_run, yours_run):
    cases = [
        *identity_center_cases(IdentityCenterNames(shared_run.stack_outputs)),
        *federated_cases(FederatedNames(federated_b_run.stack_outputs)),
        *hop_2_cases(hop_2_of(shared_run, yours_run, "Third_Party_A"), "Identity Center"),
        *hop_2_cases(hop_2_of(federated_b_run, yours_run, "Third_Party_B"), "federated"),
    ]
    return cases, collect_policies(shared_run, federated_b_run, yours_run)


def test_every_sign_in_decision_is_the_expected_one(sign_in_proof):
    cases, policies = sign_in_proof
    assert len({c.name for c in cases}) == len(cases)
    wrong = [
        f"{c.name}: expected {c.expected}, got {d}"
        for c, d in zip(cases, decide(policies, cases), strict=True)
        if d != c.expected
    ]
    assert wrong == []


def test_removing_each_sign_in_condition_changes_a_decision(sign_in_proof):
    cases, policies = sign_in_proof
    missed = unnoticed(sign_in_mutations(), policies, cases)
    assert not missed, "\n".join(f"{name}: {why}" for name, why in missed.items())  # each, in full


def test_a_person_removed_from_people_is_refused_on_the_next_update(shared_run, yours_run):
    """The their stack (people: alice and bob) run again with bob removed from people; your stack is not
    updated."""
    after = run_identity_center_shared(people=["alice"])
    assert after.stack_outputs["externalId"] == shared_run.stack_outputs["externalId"]
    names = hop_2_of(shared_run, yours_run, "Third_Party_A")
    bob, alice = names.hop_2("bob"), names.hop_2("alice")
    cases = [Case("bob", bob, "Allowed", "", ""), Case("alice", alice, "Allowed", "", "")]
    before_and_after = [collect_policies(shared_run, yours_run), collect_policies(after, yours_run)]
    assert decide_over(before_and_after, cases) == [["Allowed", "Allowed"], ["ExplicitlyDenied", "Allowed"]]


def test_the_people_list_is_in_the_local_roles_policy_in_both_modes(identity_center_run, federated_run):
    for run in (identity_center_run, federated_run):
        (deny,) = [
            s
            for s in run.one("aws:iam/rolePolicy:RolePolicy").json_input("policy")["Statement"]
            if s["Effect"] == "Deny"
        ]
        assert deny["Condition"] == {"StringNotEquals": {"aws:SourceIdentity": PEOPLE}}
        assert sorted(deny["Action"]) == ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]


def test_iam_users_get_no_people_deny():
    run = run_their(AwsMocks(account_id=THEIR_A))
    for policy in run.of_type("aws:iam/rolePolicy:RolePolicy"):
        assert all(s["Effect"] == "Allow" for s in policy.json_input("policy")["Statement"])


# -- what works with IAM users keeps working -----------------------------------------------------------------


LONGEST_FITTING = 44
"""At 200 people, the longest names whose deny fits a role's 10,240 inline characters (a long session role ARN)."""


@pytest.mark.parametrize("mode", ["identityCenter", "federatedRoles"])
def test_200_people_of_the_longest_names_that_fit_pass_the_quota_and_longer_stop_in_one_line(mode):
    sign_in = {"identityCenter": IDENTITY_CENTER} if mode == "identityCenter" else {"federatedRoles": FEDERATED_ROLES}
    long_role = {"yourRoleName": "SSMStartSession_IAM_Role_" + "x" * 39}
    fitting = [f"p{n:03}".ljust(LONGEST_FITTING, "x") for n in range(200)]
    mocks = AwsMocks(account_id=THEIR_A if mode == "identityCenter" else THEIR_B)
    run = run_their(mocks, remove=NO_USERS, people=fitting, **sign_in, **long_role)
    assert ROLE_INLINE_POLICIES_QUOTA == ROLE_INLINE_POLICIES
    assert [str(v) for v in quota_violations(run)] == []
    policy = run.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"]
    assert iam_size(policy) > 10240 - 200, "not the longest that fit"
    longest = [f"p{n:03}".ljust(64, "x") for n in range(200)]
    stopped = run_stack_file(THEIR_STACK_FILE, mocks=mocks, remove=NO_USERS, people=longest, **sign_in, **long_role)
    message = str(stopped.error)
    assert message.startswith("third-party-ec2-access:people: 200 people make the local role's policy ")
    assert "over IAM's 10240 for a role's inline policies" in message
    assert "\n" not in message
    assert stopped.resources == []


def test_200_people_with_os_users_always_fit():
    """With osUserPrefix each name is a Linux user (32 characters at most, prefix included)."""
    many = [f"p{n:03}".ljust(30, "x") for n in range(200)]
    run = run_identity_center(people=many, osUserPrefix="p-", yourRoleName="SSMStartSession_IAM_Role_" + "x" * 39)
    assert [str(v) for v in quota_violations(run)] == []


def test_a_trust_for_200_people_is_the_size_of_one_for_two(identity_center_run):
    many = [f"person{n:03}".ljust(30, "x") for n in range(200)]
    run = run_identity_center(people=many, osUserPrefix="p-")
    assert [str(v) for v in quota_violations(run)] == []
    assert iam_size(json.dumps(trust(run))) == iam_size(json.dumps(trust(identity_center_run)))
    assert len(run.stack_outputs["people"]) == 200


def test_the_policy_pack_accepts_an_identity_center_stack(identity_center_run):
    assert violations(policy_resources(identity_center_run)) == []


def test_the_policy_pack_asks_for_own_accounts_with_federated_roles(federated_run):
    (policy,) = [p for p in POLICIES if p.name == "cross-account-trust-requires-external-id"]
    found = violations(policy_resources(federated_run))
    assert found == [
        (policy.name, f"the role trusts arn:aws:iam::{THEIR_B}:root without requiring an ExternalId (sts:ExternalId)")
    ]


def test_the_yours_stack_reads_an_identity_center_their_stack(identity_center_run):
    stack = "organization/third-party-ec2-access/their-idc"
    yours = run_yours(
        yours_mocks(stack_references={stack: stack_reference_outputs(identity_center_run)}),
        thirdParties=[{"name": "Third_Party_A", "stack": stack, "osUserPrefix": "tpa-"}],
        instances=[{"name": "instance-a", "grantedTo": "Third_Party_A"}],
    )
    role_arn = yours.stack_outputs["sessionRoles"]["Third_Party_A"]
    (role,) = [r for r in yours.of_type(ROLE) if r.outputs["arn"] == role_arn]
    principals = {
        json.dumps(s["Principal"]) for s in role.json_input("assumeRolePolicy")["Statement"] if "Principal" in s
    }
    assert principals == {json.dumps({"AWS": identity_center_run.stack_outputs["assumeRoleArn"]})}
    (people_only,) = [
        s
        for policy in yours.of_type("aws:iam/rolePolicy:RolePolicy")
        if policy.inputs["role"] == role.id
        for s in policy.json_input("policy")["Statement"]
        if s.get("Sid") == "DenyEveryoneButThePartysPeople"
    ]
    assert "alice" in json.dumps(people_only)
    assert "bob" in json.dumps(people_only)


def test_the_access_report_reads_the_new_keys_and_refuses_a_their_stack_in_one_line(tmp_path):
    config = yaml.safe_load(THEIR_STACK_FILE.read_text())
    config["config"].pop("third-party-ec2-access:users")
    config["config"]["third-party-ec2-access:identityCenter"] = IDENTITY_CENTER
    config["config"]["third-party-ec2-access:people"] = PEOPLE
    good = tmp_path / "Pulumi.their.yaml"
    good.write_text(yaml.safe_dump(config))
    status, _, stderr = report(good)
    assert (status, stderr.count("\n")) == (2, 1)
    assert "is a their stack" in stderr
    config["config"]["third-party-ec2-access:users"] = ["alice"]
    good.write_text(yaml.safe_dump(config))
    status, _, stderr = report(good)
    assert status == 2
    assert stderr.startswith("access-report: third-party-ec2-access:identityCenter: replaces users")


def test_many_customers_share_one_permission_set_policy_that_fits():
    customers = [
        {"name": f"customer-{n:02}", "partyName": f"Vendor_{n:02}", "yourAccountId": f"1111222233{n:02}"}
        for n in range(50)
    ]
    run = run_stack_file(
        THEIR_STACK_FILE,
        mocks=AwsMocks(account_id=THEIR_A),
        remove=("users", "partyName", "yourAccountId"),
        identityCenter=IDENTITY_CENTER,
        people=PEOPLE,
        customers=customers,
    )
    assert run.error is None, run.error
    local_roles = {r.outputs["arn"] for r in run.of_type(ROLE)}
    assert len(local_roles) == 50
    for statement in run.one(INLINE_POLICY).json_input("inlinePolicy")["Statement"]:
        assert set(statement["Resource"]) == local_roles
    assert [str(v) for v in quota_violations(run)] == []
    assert set(run.stack_outputs["customers"]["customer-07"]["awsCliConfig"]) == set(PEOPLE)


def test_a_permission_set_policy_over_identity_centers_quota_is_caught(identity_center_run):
    inline = identity_center_run.one(INLINE_POLICY)
    roles = [f"arn:aws:iam::{THEIR_A}:role/3P_IAM_Assume_Role-customer-{n:03}" for n in range(200)]
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": roles}],
    }
    too_big = dataclasses.replace(inline, raw_inputs={**inline.raw_inputs, "inlinePolicy": json.dumps(policy)})
    (violation,) = quota_violations(ProgramRun(resources=[too_big]))
    assert (violation.what, violation.limit) == ("its inline policy", 10240)
