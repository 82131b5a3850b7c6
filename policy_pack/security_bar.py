"""The security bar of third-party-ec2-access as CrossGuard policies.

Every policy is mandatory: each guards a line of the security bar whose failure opens a way in that
the product exists to close, so a preview or update that breaks one must stop, not warn. The
functions take the SDK's validation arguments and a ``report_violation`` callback, so tests call
them directly; ``__main__.py`` only serves them. The module stands alone (no import of the program),
as the pack runs in its own virtual environment.

A property unknown during a preview makes the SDK skip the policy for that resource; the update
that follows checks it with the value known.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from iam_statements import account_of, allows, as_list, covers, policy_statements, principal_arns_of_users_only
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

INSTANCE = "aws:ec2/instance:Instance"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
DOCUMENT = "aws:ssm/document:Document"
VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
SSM_MANAGED_INSTANCE_CORE = ":policy/AmazonSSMManagedInstanceCore"
INTERNET_PATHS = {
    "aws:ec2/internetGateway:InternetGateway": "an internet gateway",
    "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment": "an internet gateway attachment",
    "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway": "an egress-only internet gateway",
    "aws:ec2/natGateway:NatGateway": "a NAT gateway",
}
INLINE_RULE_GROUPS = {"aws:ec2/securityGroup:SecurityGroup", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"}
RULE_RESOURCES = {
    "aws:ec2/securityGroupRule:SecurityGroupRule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
}
ANYWHERE = {"0.0.0.0/0", "::/0"}
HTTPS = 443
RUN_AS_TAG = "SSMSessionRunAs"
DEFAULT_TAG_KEY = "ExternalAccessGrantedTo"
SOURCE_IDENTITY = "${aws:SourceIdentity}"
# The config's rules for a party's OS user prefix (components/config/checks.py), copied, as the pack stands
# alone; tests/test_contract.py checks that both accept the same prefixes.
OS_USER_PREFIX = re.compile(r"[a-z_][a-z0-9_-]{0,28}[-_]")
"""2-30 characters ending in - or _: no policy variable, no wildcard."""
SYSTEM_USERS = frozenset(
    {"root", "bin", "daemon", "adm", "lp", "sync", "shutdown", "halt", "mail", "operator", "games", "ftp", "nobody"}
)
SUDO_USERS = frozenset({"ec2-user", "ssm-user"})
SYSTEMD_USERS_PREFIX = "systemd-"

TAG_KEY_CONFIG = PolicyConfigSchema(
    properties={"tagKey": {"type": "string", "default": DEFAULT_TAG_KEY, "description": "The ABAC tag key"}}
)
OWN_ACCOUNTS_CONFIG = PolicyConfigSchema(
    properties={
        "ownAccountIds": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": "Accounts whose roles a trust policy may name without an ExternalId",
        }
    }
)


# -- instances --------------------------------------------------------------------------------------


def validate_instance(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != INSTANCE:
        return
    props = args.props
    if (props.get("metadataOptions") or {}).get("httpTokens") != "required":
        report_violation("IMDSv2 must be required: metadataOptions.httpTokens = required")
    if not (props.get("rootBlockDevice") or {}).get("encrypted"):
        report_violation("the root volume must be encrypted: rootBlockDevice.encrypted = true")
    if any(not device.get("encrypted") for device in props.get("ebsBlockDevices") or []):
        report_violation("every EBS volume must be encrypted")
    if props.get("associatePublicIpAddress"):
        report_violation("the instance must have no public IP address")
    tag_key = args.get_config().get("tagKey", DEFAULT_TAG_KEY)
    if not (props.get("tags") or {}).get(tag_key):
        report_violation(f"the instance must carry the ABAC tag {tag_key} naming the party granted to it")


# -- the network --------------------------------------------------------------------------------------


def validate_no_internet_path(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type in INTERNET_PATHS:
        report_violation(f"{INTERNET_PATHS[args.resource_type]} would give the private instances a way to the internet")


def validate_security_group(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type in INLINE_RULE_GROUPS:
        rules = [*(args.props.get("ingress") or []), *(args.props.get("egress") or [])]
    elif args.resource_type in RULE_RESOURCES:
        rules = [args.props]
    else:
        return
    for rule in rules:
        for problem in _rule_problems(rule):
            report_violation(problem)


def _rule_problems(rule: Mapping[str, Any]) -> Iterable[str]:
    blocks = set(rule.get("cidrBlocks") or []) | set(rule.get("ipv6CidrBlocks") or [])
    blocks |= {rule.get(key) for key in ("cidrIpv4", "cidrIpv6")} - {None}
    if blocks & ANYWHERE:
        yield f"a security group rule opens to {', '.join(sorted(blocks & ANYWHERE))}"
    protocol = str(rule.get("ipProtocol", rule.get("protocol", "")))
    ports = (rule.get("fromPort"), rule.get("toPort"))
    if protocol not in ("tcp", "6") or ports != (HTTPS, HTTPS):
        yield (
            f"a security group rule allows protocol {protocol or '-'} ports {ports[0]}-{ports[1]}, "
            "not HTTPS (tcp 443) only"
        )


def validate_endpoint_policy(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """A VPC endpoint without a policy (or with the default full-access one) takes anyone's credentials."""
    if args.resource_type != VPC_ENDPOINT:
        return
    statements = policy_statements(args.props.get("policy"))
    if not statements:
        report_violation("the VPC endpoint must carry a policy: without one it takes any account's credentials")
    for statement in statements:
        open_to_all = statement.get("Principal") in ("*", {"AWS": "*"}) and not statement.get("Condition")
        if statement.get("Effect") == "Allow" and open_to_all and "*" in as_list(statement.get("Resource")):
            report_violation("the VPC endpoint policy allows every principal on every resource: it admits anyone")


# -- identity ----------------------------------------------------------------------------------------


def validate_no_ssm_managed_instance_core(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """AmazonSSMManagedInstanceCore lets whoever holds an instance's credentials read every SSM parameter."""
    if args.resource_type == ROLE_POLICY_ATTACHMENT:
        attached = [args.props.get("policyArn") or ""]
    elif args.resource_type == ROLE:
        attached = list(args.props.get("managedPolicyArns") or [])
    else:
        return
    if any(arn.endswith(SSM_MANAGED_INSTANCE_CORE) for arn in attached):
        report_violation(
            "AmazonSSMManagedInstanceCore allows ssm:GetParameter* on every parameter: give instances only what "
            "SSM Agent needs"
        )


def validate_cross_account_trust(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """A role another account's role (or the account itself) may assume must require an ExternalId.

    Trust in IAM users is the their account's own sign-in and is left alone (named, or narrowed to users by
    ``aws:PrincipalArn``); so are services, and the accounts listed in ``ownAccountIds``.
    """
    if args.resource_type != ROLE:
        return
    own_accounts = set(args.get_config().get("ownAccountIds", []))
    for statement in policy_statements(args.props.get("assumeRolePolicy")):
        if not allows(statement, "sts:AssumeRole"):
            continue
        principals = (
            as_list((statement.get("Principal") or {}).get("AWS")) if statement.get("Principal") != "*" else ["*"]
        )
        users_only = principal_arns_of_users_only(statement.get("Condition") or {})
        chaining = [
            p
            for p in principals
            if ":user/" not in p and account_of(p) not in own_accounts and account_of(p) not in users_only
        ]
        if chaining and "sts:ExternalId" not in json.dumps(statement.get("Condition", {})):
            report_violation(f"the role trusts {', '.join(chaining)} without requiring an ExternalId (sts:ExternalId)")


def validate_session_tags(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """A trust may allow session tags only for the Run As tag, naming the caller's own OS user.

    That is ``aws:RequestTag/SSMSessionRunAs`` under ``StringEquals``, one value: a literal prefix the config
    would accept, then ``${aws:SourceIdentity}`` (the person's IAM user name, which the chain carries). The
    variable alone would let an IAM user named ``root`` run as root; a prefix that is a variable, a wildcard
    or a looser operator lets a caller pick the user.
    """
    if args.resource_type != ROLE:
        return
    own_os_user_key = f"aws:RequestTag/{RUN_AS_TAG}"
    for statement in policy_statements(args.props.get("assumeRolePolicy")):
        if not allows(statement, "sts:TagSession"):
            continue
        condition = statement.get("Condition") or {}
        keys = as_list((condition.get("ForAllValues:StringEquals") or {}).get("aws:TagKeys"))
        values = as_list((condition.get("StringEquals") or {}).get(own_os_user_key))
        if keys != [RUN_AS_TAG]:
            report_violation(f"the role allows session tags other than {RUN_AS_TAG} (aws:TagKeys)")
        problem = _own_os_user_problem(values)
        if problem:
            report_violation(
                f"the role allows a {RUN_AS_TAG} session tag that is not the caller's own OS user: expected "
                f"StringEquals {own_os_user_key} to be one literal OS user prefix then {SOURCE_IDENTITY}; {problem}"
            )


def _own_os_user_problem(values: list[Any]) -> str | None:
    """Why the allowed values of the Run As session tag are not exactly the caller's own OS user, if they are not."""
    if len(values) != 1 or not isinstance(values[0], str):
        return f"got {json.dumps(values)}"
    value = values[0]
    prefix = value.removesuffix(SOURCE_IDENTITY)
    if prefix == value or not OS_USER_PREFIX.fullmatch(prefix):
        return (
            f"got {json.dumps(value)}, whose prefix is not 2-30 of a-z 0-9 _ -, starting with a letter or _ and "
            "ending in - or _"
        )
    reserved = sorted(name for name in SYSTEM_USERS | SUDO_USERS if name.startswith(prefix))
    if SYSTEMD_USERS_PREFIX.startswith(prefix) or prefix.startswith(SYSTEMD_USERS_PREFIX):
        reserved.append(f"{SYSTEMD_USERS_PREFIX}*")
    if reserved:
        return f"got {json.dumps(value)}, whose prefix {prefix} starts the system or sudo account {reserved[0]}"
    return None


def _is_session_role(role: Any) -> bool:
    """A role with the Run As tag, or whose trust requires the Run As session tag (one OS user per person)."""
    return RUN_AS_TAG in (role.props.get("tags") or {}) or f"aws:RequestTag/{RUN_AS_TAG}" in json.dumps(
        role.props.get("assumeRolePolicy") or ""
    )


def validate_session_role_denies_assume_role(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Every session role explicitly denies assuming further roles, always: a Deny with a condition (such as the
    one that refuses everyone but a party's listed people) holds only when its condition matches."""
    for role in args.resources:
        if role.resource_type != ROLE or not _is_session_role(role):
            continue
        attached = [
            r for r in args.resources if r.resource_type == ROLE_POLICY and role.urn in {d.urn for d in r.dependencies}
        ]
        denies = any(
            statement.get("Effect") == "Deny"
            and covers(statement.get("Action"), "sts:AssumeRole")
            and statement.get("Resource") == "*"
            and not statement.get("Condition")
            for policy in attached
            for statement in policy_statements(policy.props.get("policy"))
        )
        if not denies:
            report_violation(f"session role {role.name} has no explicit Deny on sts:AssumeRole", role.urn)


# -- sessions ----------------------------------------------------------------------------------------


def validate_session_document(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != DOCUMENT or args.props.get("documentType") != "Session":
        return
    content = json.loads(args.props.get("content") or "{}")
    if content.get("sessionType") != "Standard_Stream":
        return
    inputs = content.get("inputs") or {}
    for flag in ("cloudWatchStreamingEnabled", "cloudWatchEncryptionEnabled", "runAsEnabled"):
        if inputs.get(flag) is not True:
            report_violation(f"the session document must set {flag} to true")
    for name in ("cloudWatchLogGroupName", "kmsKeyId"):
        if not inputs.get(name):
            report_violation(f"the session document must name its {name}")


def validate_session_logs(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """The log groups Session documents stream to are encrypted, retained, and kept on destroy."""
    session_groups = set()
    for document in args.resources:
        if document.resource_type == DOCUMENT and document.props.get("documentType") == "Session":
            session_groups.add(
                json.loads(document.props.get("content") or "{}").get("inputs", {}).get("cloudWatchLogGroupName")
            )
    for group in args.resources:
        if group.resource_type != LOG_GROUP or group.props.get("name") not in session_groups:
            continue
        if not group.props.get("kmsKeyId"):
            report_violation(f"session log group {group.props['name']} must be encrypted with a KMS key", group.urn)
        if not group.props.get("retentionInDays"):
            report_violation(f"session log group {group.props['name']} must have a retention period", group.urn)
        if group.props.get("skipDestroy") is not True:
            report_violation(
                f"session log group {group.props['name']} must be kept when the stack is destroyed (skipDestroy)",
                group.urn,
            )


MANDATORY = EnforcementLevel.MANDATORY

POLICIES = [
    ResourceValidationPolicy(
        name="instances-are-hardened",
        description="Instances require IMDSv2, encrypt their volumes, have no public IP, and carry the ABAC tag. "
        "Mandatory: each one, missing, is a way in or a credential theft the product exists to prevent.",
        validate=validate_instance,
        enforcement_level=MANDATORY,
        config_schema=TAG_KEY_CONFIG,
    ),
    ResourceValidationPolicy(
        name="no-internet-gateway-or-nat",
        description="No internet gateway or NAT: the instances reach AWS through VPC endpoints only. "
        "Mandatory: a gateway gives the private instances a route to and from the internet.",
        validate=validate_no_internet_path,
        enforcement_level=MANDATORY,
    ),
    ResourceValidationPolicy(
        name="security-groups-allow-only-https-inside",
        description="Security groups allow HTTPS (tcp 443) only, never from or to 0.0.0.0/0. "
        "Mandatory: any other port or an open range is a path the design does not have.",
        validate=validate_security_group,
        enforcement_level=MANDATORY,
    ),
    ResourceValidationPolicy(
        name="vpc-endpoints-carry-a-policy",
        description="Every VPC endpoint carries a policy that does not admit every principal. "
        "Mandatory: an open endpoint lets a shell on the instance use any account's keys to copy data out.",
        validate=validate_endpoint_policy,
        enforcement_level=MANDATORY,
    ),
    ResourceValidationPolicy(
        name="no-ssm-managed-instance-core",
        description="No role the stack manages carries AmazonSSMManagedInstanceCore. "
        "Mandatory: its ssm:GetParameter* on every parameter hands the account's secrets to any instance shell.",
        validate=validate_no_ssm_managed_instance_core,
        enforcement_level=MANDATORY,
    ),
    ResourceValidationPolicy(
        name="cross-account-trust-requires-external-id",
        description="Every role another account may assume requires an ExternalId. "
        "Mandatory: without it, a confused deputy in the third party's account can reach the role.",
        validate=validate_cross_account_trust,
        enforcement_level=MANDATORY,
        config_schema=OWN_ACCOUNTS_CONFIG,
    ),
    ResourceValidationPolicy(
        name="session-tags-name-the-callers-own-os-user",
        description=f"A role's trust allows session tags only for {RUN_AS_TAG}, only as the caller's own OS user "
        "(a literal prefix the config accepts, then ${aws:SourceIdentity}). Mandatory: a free session tag, or the "
        "source identity alone, lets a person run as anyone's user, root included.",
        validate=validate_session_tags,
        enforcement_level=MANDATORY,
    ),
    StackValidationPolicy(
        name="session-roles-deny-assume-role",
        description="Every session role carries an explicit Deny on sts:AssumeRole. "
        "Mandatory: a session role that chains on escapes every boundary the product draws.",
        validate=validate_session_role_denies_assume_role,
        enforcement_level=MANDATORY,
    ),
    StackValidationPolicy(
        name="session-logs-encrypted-and-kept",
        description="Session log groups are KMS-encrypted, retained, and kept when the stack is destroyed. "
        "Mandatory: they are the audit trail of every third-party session.",
        validate=validate_session_logs,
        enforcement_level=MANDATORY,
    ),
    ResourceValidationPolicy(
        name="session-documents-record-and-run-as",
        description="Session documents stream encrypted logs, encrypt the channel with KMS, and run as the "
        "tagged user. Mandatory: without them sessions go unrecorded or run as a user with sudo.",
        validate=validate_session_document,
        enforcement_level=MANDATORY,
    ),
]
