"""The CrossGuard policy pack, run over what both stacks register under mocks, without the Pulumi CLI.

Each policy passes the tests' reference stacks (tests/fixtures/, examples/; tests/test_samples.py runs the
pack on the committed samples); then, for each policy, a copy with exactly its rule broken
draws exactly its violation, and no other policy's.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

import pytest
import yaml
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
)

from components.contract import DEFAULT_TAG_KEY
from harness.aws_mocks import AwsMocks
from harness.program_run import PROJECT_DIR, ProgramRun
from policy_pack.security_bar import POLICIES
from tests.stack_runs import run_their

Resources = list[PolicyResource]


def policy_resources(*runs: ProgramRun) -> Resources:
    """Every custom resource the runs registered, as the policy SDK hands it to a policy."""
    registered = [r for run in runs for r in run.resources if r.custom]
    resources = {
        r.urn: PolicyResource(
            resource_type=r.type,
            props=copy.deepcopy(r.inputs),
            urn=r.urn,
            name=r.name,
            opts=PolicyResourceOptions(
                protect=r.protect,
                ignore_changes=list(r.ignore_changes),
                delete_before_replace=r.delete_before_replace,
                aliases=[],
                custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
                additional_secret_outputs=[],
            ),
            provider=None,
            parent=None,
            dependencies=[],
            property_dependencies={},
        )
        for r in registered
    }
    for r in registered:
        resources[r.urn].dependencies = [resources[urn] for urn in r.dependencies if urn in resources]
    return list(resources.values())


def violations(resources: Resources) -> list[tuple[str, str]]:
    """(policy name, message) of every violation of every policy."""
    found: list[tuple[str, str]] = []
    for policy in POLICIES:
        validations = policy.validate if isinstance(policy.validate, list) else [policy.validate]
        for validate in validations:

            def report(message: str, urn: str | None = None, name: str = policy.name) -> None:
                found.append((name, message))

            if isinstance(policy, ResourceValidationPolicy):
                for r in resources:
                    validate(ResourceValidationArgs(r.resource_type, r.props, r.urn, r.name, r.opts, None, {}), report)
            else:
                validate(StackValidationArgs(resources, {}), report)
    return found


@pytest.fixture(scope="module")
def stacks(their_run, yours_run) -> Resources:
    their_with_mfa = run_their(AwsMocks(account_id="222233334444"), requireMfa=True)
    return policy_resources(their_run, their_with_mfa, yours_run)


def test_the_reference_stacks_meet_every_policy(stacks):
    assert violations(stacks) == []


def test_every_policy_is_mandatory_and_says_why():
    for policy in POLICIES:
        assert policy.enforcement_level.value == "mandatory"
        assert "Mandatory: " in policy.description


def first(resources: Resources, resource_type: str, predicate: Callable[[PolicyResource], bool] = lambda r: True):
    return next(r for r in resources if r.resource_type == resource_type and predicate(r))


def edit_json(resource: PolicyResource, key: str, edit: Callable[[dict], None]) -> None:
    document = json.loads(resource.props[key])
    edit(document)
    resource.props[key] = json.dumps(document)


def imdsv1(resources: Resources) -> None:
    first(resources, "aws:ec2/instance:Instance").props["metadataOptions"]["httpTokens"] = "optional"


def internet_gateway(resources: Resources) -> None:
    vpc = first(resources, "aws:ec2/vpc:Vpc")
    resources.append(
        PolicyResource(
            "aws:ec2/internetGateway:InternetGateway",
            {"vpcId": "vpc-1"},
            f"{vpc.urn}-igw",
            "igw",
            vpc.opts,
            None,
            None,
            [],
            {},
        )
    )


def ssh_from_anywhere(resources: Resources) -> None:
    rule = first(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    rule.props.update({"fromPort": 22, "toPort": 22, "cidrIpv4": "0.0.0.0/0"})
    rule.props.pop("referencedSecurityGroupId")


def trust_without_external_id(resources: Resources) -> None:
    role = first(resources, "aws:iam/role:Role", lambda r: "SSMSessionRunAs" in (r.props.get("tags") or {}))
    edit_json(role, "assumeRolePolicy", lambda doc: doc["Statement"][0]["Condition"].pop("StringEquals"))


def no_deny_on_assume_role(resources: Resources) -> None:
    role = first(resources, "aws:iam/role:Role", lambda r: "SSMSessionRunAs" in (r.props.get("tags") or {}))
    # The role's own permissions (the sweeper's policy depends on the role too, through its unique id).
    policy = first(resources, "aws:iam/rolePolicy:RolePolicy", lambda p: p.props["role"] == role.props["name"])

    def drop_deny(document: dict) -> None:
        document["Statement"] = [s for s in document["Statement"] if "sts:AssumeRole" not in json.dumps(s)]

    edit_json(policy, "policy", drop_deny)


def per_person_trust(resources: Resources, edit: Callable[[dict], None]) -> None:
    """Edits the sts:TagSession statement of the session role of party B (one OS user per person)."""
    role = first(resources, "aws:iam/role:Role", lambda r: "sts:TagSession" in r.props["assumeRolePolicy"])

    def edit_tagging(document: dict) -> None:
        edit(next(s for s in document["Statement"] if s["Action"] == "sts:TagSession")["Condition"])

    edit_json(role, "assumeRolePolicy", edit_tagging)


def session_tag_of_any_value(resources: Resources) -> None:
    per_person_trust(resources, lambda condition: condition.pop("StringEquals"))


def session_tags_of_any_key(resources: Resources) -> None:
    per_person_trust(resources, lambda condition: condition.pop("ForAllValues:StringEquals"))


def no_deny_on_assume_role_of_a_per_person_role(resources: Resources) -> None:
    # Party B's role has no Run As tag (each person has their own): its trust still marks it a session role.
    role = first(resources, "aws:iam/role:Role", lambda r: "sts:TagSession" in r.props["assumeRolePolicy"])
    policy = first(resources, "aws:iam/rolePolicy:RolePolicy", lambda p: p.props["role"] == role.props["name"])
    edit_json(
        policy,
        "policy",
        lambda document: document.update(
            Statement=[s for s in document["Statement"] if "sts:AssumeRole" not in json.dumps(s)]
        ),
    )


def deny_on_assume_role_only_sometimes(resources: Resources) -> None:
    role = first(resources, "aws:iam/role:Role", lambda r: "SSMSessionRunAs" in (r.props.get("tags") or {}))
    policy = first(resources, "aws:iam/rolePolicy:RolePolicy", lambda p: p.props["role"] == role.props["name"])

    def only_in_one_region(document: dict) -> None:
        for s in document["Statement"]:
            if s["Effect"] == "Deny" and "sts:AssumeRole" in json.dumps(s):
                s["Condition"] = {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}

    edit_json(policy, "policy", only_in_one_region)


def session_logs_deleted_on_destroy(resources: Resources) -> None:
    first(resources, "aws:cloudwatch/logGroup:LogGroup", lambda g: g.props["name"].endswith("/sessions")).props[
        "skipDestroy"
    ] = False


def run_as_off(resources: Resources) -> None:
    edit_json(
        first(resources, "aws:ssm/document:Document"), "content", lambda doc: doc["inputs"].update(runAsEnabled=False)
    )


def endpoint_without_policy(resources: Resources) -> None:
    first(resources, "aws:ec2/vpcEndpoint:VpcEndpoint").props.pop("policy")


def endpoint_open_to_all(resources: Resources) -> None:
    edit_json(
        first(resources, "aws:ec2/vpcEndpoint:VpcEndpoint"),
        "policy",
        lambda doc: doc["Statement"][0].pop("Condition"),
    )


def ssm_managed_instance_core(resources: Resources) -> None:
    role = first(resources, "aws:iam/role:Role", lambda r: "ec2.amazonaws.com" in r.props["assumeRolePolicy"])
    role.props["managedPolicyArns"] = ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]


BROKEN_RULES = [
    (imdsv1, "instances-are-hardened", "IMDSv2 must be required"),
    (internet_gateway, "no-internet-gateway-or-nat", "an internet gateway would give"),
    (ssh_from_anywhere, "security-groups-allow-only-https-inside", "opens to 0.0.0.0/0"),
    (trust_without_external_id, "cross-account-trust-requires-external-id", "without requiring an ExternalId"),
    (no_deny_on_assume_role, "session-roles-deny-assume-role", "has no explicit Deny on sts:AssumeRole"),
    (
        no_deny_on_assume_role_of_a_per_person_role,
        "session-roles-deny-assume-role",
        "has no explicit Deny on sts:AssumeRole",
    ),
    (deny_on_assume_role_only_sometimes, "session-roles-deny-assume-role", "has no explicit Deny on sts:AssumeRole"),
    (session_tag_of_any_value, "session-tags-name-the-callers-own-os-user", "not the caller's own OS user"),
    (session_tags_of_any_key, "session-tags-name-the-callers-own-os-user", "session tags other than SSMSessionRunAs"),
    (session_logs_deleted_on_destroy, "session-logs-encrypted-and-kept", "must be kept when the stack is destroyed"),
    (run_as_off, "session-documents-record-and-run-as", "must set runAsEnabled to true"),
    (endpoint_without_policy, "vpc-endpoints-carry-a-policy", "must carry a policy"),
    (endpoint_open_to_all, "vpc-endpoints-carry-a-policy", "admits anyone"),
    (ssm_managed_instance_core, "no-ssm-managed-instance-core", "AmazonSSMManagedInstanceCore allows"),
]


def test_every_policy_has_a_broken_rule_below():
    assert {name for _, name, _ in BROKEN_RULES} == {policy.name for policy in POLICIES}


@pytest.mark.parametrize(
    ("break_rule", "policy", "message"), BROKEN_RULES, ids=[b.__name__ for b, _, _ in BROKEN_RULES]
)
def test_breaking_exactly_one_rule_draws_exactly_its_violation(stacks, break_rule, policy, message):
    resources = copy.deepcopy(stacks)
    break_rule(resources)
    found = violations(resources)
    assert {name for name, _ in found} == {policy}, found
    assert any(message in text for _, text in found), found


# -- the Run As session tag: exactly a literal prefix and the caller's source identity ---------------------

OWN_OS_USER_KEY = "aws:RequestTag/SSMSessionRunAs"


def run_as_tag_allowed(operator: str, value: object) -> Callable[[dict], None]:
    """Party B's trust allows the Run As session tag with this value under this operator, and no other."""

    def edit(condition: dict) -> None:
        del condition["StringEquals"][OWN_OS_USER_KEY]
        if not condition["StringEquals"]:
            del condition["StringEquals"]
        condition.setdefault(operator, {})[OWN_OS_USER_KEY] = value

    return edit


REFUSED_RUN_AS_TAGS = {
    # An IAM user named root (or ec2-user) would run as that user.
    "source-identity-alone": ("StringEquals", "${aws:SourceIdentity}"),
    "prefix-is-a-variable": ("StringEquals", "${aws:username}${aws:SourceIdentity}"),
    "prefix-holds-a-variable": ("StringEquals", "tpb-${aws:PrincipalTag/team}-${aws:SourceIdentity}"),
    "wildcard-prefix": ("StringEquals", "*${aws:SourceIdentity}"),
    "wildcard-instead-of-source-identity": ("StringEquals", "tpb-*"),
    "source-identity-then-more": ("StringEquals", "tpb-${aws:SourceIdentity}-admin"),
    "string-like": ("StringLike", "tpb-${aws:SourceIdentity}"),
    "string-equals-ignore-case": ("StringEqualsIgnoreCase", "tpb-${aws:SourceIdentity}"),
    "for-any-value": ("ForAnyValue:StringEquals", "tpb-${aws:SourceIdentity}"),
    "a-second-value": ("StringEquals", ["tpb-${aws:SourceIdentity}", "root"]),
    "prefix-of-a-sudo-user": ("StringEquals", "ec2-${aws:SourceIdentity}"),  # IAM user "user" is ec2-user
    "prefix-of-systemd-users": ("StringEquals", "systemd-${aws:SourceIdentity}"),
    "prefix-not-ending-in-a-separator": ("StringEquals", "tpb${aws:SourceIdentity}"),
    "prefix-in-capitals": ("StringEquals", "TPB-${aws:SourceIdentity}"),
    "prefix-of-one-character": ("StringEquals", "-${aws:SourceIdentity}"),
    "prefix-of-31-characters": ("StringEquals", "t" * 30 + "-${aws:SourceIdentity}"),
}
ACCEPTED_RUN_AS_TAGS = {
    "underscore-prefix": ("StringEquals", "vendor_${aws:SourceIdentity}"),
    "prefix-of-two-characters": ("StringEquals", "t-${aws:SourceIdentity}"),
    "prefix-of-30-characters": ("StringEquals", "t" * 29 + "-${aws:SourceIdentity}"),
    "one-value-in-a-list": ("StringEquals", ["tpb-${aws:SourceIdentity}"]),
}


def tag_session_as(**action: object) -> Callable[[Resources], None]:
    """Party B's trust names sts:TagSession another way, and drops the conditions on the tag."""

    def edit(resources: Resources) -> None:
        role = first(resources, "aws:iam/role:Role", lambda r: "sts:TagSession" in r.props["assumeRolePolicy"])

        def retag(document: dict) -> None:
            tagging = next(s for s in document["Statement"] if s["Action"] == "sts:TagSession")
            del tagging["Action"]
            tagging.update(action)
            tagging["Condition"] = {}

        edit_json(role, "assumeRolePolicy", retag)

    return edit


@pytest.mark.parametrize(
    "break_rule",
    [
        tag_session_as(Action="sts:Tag*"),
        tag_session_as(Action="STS:tagsession"),
        tag_session_as(Action="sts:TagSessio?"),
        tag_session_as(NotAction="sts:AssumeRole"),
    ],
    ids=["wildcard", "other-case", "one-character-wildcard", "not-action"],
)
def test_a_trust_that_names_tag_session_any_way_iam_reads_it_is_checked(stacks, break_rule):
    resources = copy.deepcopy(stacks)
    break_rule(resources)
    found = violations(resources)
    assert {name for name, _ in found} == {"session-tags-name-the-callers-own-os-user"}, found
    assert any("session tags other than SSMSessionRunAs" in text for _, text in found), found


@pytest.mark.parametrize(("operator", "value"), REFUSED_RUN_AS_TAGS.values(), ids=REFUSED_RUN_AS_TAGS.keys())
def test_a_run_as_tag_other_than_a_literal_prefix_and_the_source_identity_is_refused(stacks, operator, value):
    resources = copy.deepcopy(stacks)
    per_person_trust(resources, run_as_tag_allowed(operator, value))
    found = violations(resources)
    assert {name for name, _ in found} == {"session-tags-name-the-callers-own-os-user"}, found
    assert all("is not the caller's own OS user: expected StringEquals" in text for _, text in found), found


@pytest.mark.parametrize(("operator", "value"), ACCEPTED_RUN_AS_TAGS.values(), ids=ACCEPTED_RUN_AS_TAGS.keys())
def test_a_run_as_tag_of_a_valid_literal_prefix_and_the_source_identity_is_accepted(stacks, operator, value):
    resources = copy.deepcopy(stacks)
    per_person_trust(resources, run_as_tag_allowed(operator, value))
    assert violations(resources) == []


# -- the pack in CI: each stack's contract values, the same as its stack file ----------------------------

WORKFLOW = PROJECT_DIR / ".github" / "workflows" / "pull-request.yml"


def test_ci_gives_the_pack_each_stacks_own_config_and_it_matches_the_stack_file():
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    pack_steps = [
        (job, step) for job in jobs.values() for step in job["steps"] if (step.get("with") or {}).get("policyPacks")
    ]
    assert len(pack_steps) == 2  # preview and update
    for job, step in pack_steps:
        assert step["with"]["policyPackConfigs"] == "policy_pack/config/${{ matrix.stack }}.json"
        stacks = job["strategy"]["matrix"].get("stack") or [
            entry["stack"] for entry in job["strategy"]["matrix"]["include"]
        ]
        for stack in stacks:
            pack_config = json.loads((PROJECT_DIR / "policy_pack" / "config" / f"{stack}.json").read_text())
            stack_config = yaml.safe_load((PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text())["config"]
            if stack_config["third-party-ec2-access:account"] == "yours":
                tag_key = stack_config.get("third-party-ec2-access:tagKey", DEFAULT_TAG_KEY)
                assert pack_config == {"instances-are-hardened": {"tagKey": tag_key}}


def test_the_pack_checks_the_tag_key_its_config_names(stacks):
    resources = copy.deepcopy(stacks)
    for instance in [r for r in resources if r.resource_type == "aws:ec2/instance:Instance"]:
        instance.props["tags"] = {"VendorAccess": instance.props["tags"]["ExternalAccessGrantedTo"]}
    hardened = next(p for p in POLICIES if p.name == "instances-are-hardened")
    found = []
    for r in resources:
        args = ResourceValidationArgs(r.resource_type, r.props, r.urn, r.name, r.opts, None, {"tagKey": "VendorAccess"})
        hardened.validate(args, lambda message, urn=None: found.append(message))
    assert found == []


def test_a_trust_narrowed_to_roles_is_not_taken_for_users_trust(stacks):
    # The their stack's local role trusts its account, narrowed to its users' path: the pack lets that pass
    # as users' trust. Narrowed to roles instead, it is a role of that account chaining in: ExternalId needed.
    resources = copy.deepcopy(stacks)
    role = first(resources, "aws:iam/role:Role", lambda r: ":user/" in r.props["assumeRolePolicy"])

    def to_roles(document: dict) -> None:
        for statement in document["Statement"]:
            pattern = statement["Condition"]["ArnLike"]["aws:PrincipalArn"]
            statement["Condition"]["ArnLike"]["aws:PrincipalArn"] = pattern.replace(":user/", ":role/")

    edit_json(role, "assumeRolePolicy", to_roles)
    found = violations(resources)
    assert {name for name, _ in found} == {"cross-account-trust-requires-external-id"}, found
