"""Every IAM policy the programs registered, attached where AWS would find it.

Identity policies are keyed by the user or role they apply to (a user's include its groups');
resource policies by their resource: a role's trust policy by the role's ARN, a KMS key's policy
by the key's ARN; VPC endpoint policies by the endpoint's service (``s3``, ``ssm``, ...). The program
attaches no AWS-managed policy, so every policy that decides a request here is one it registered.
"""

from __future__ import annotations

import copy
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from components.arns import iam_role_arn
from harness.program_run import ProgramRun
from proof.iam_engine import Request, Simulation

_ASSUMED_ROLE = re.compile(r"arn:([a-z-]+):sts::([0-9]{12}):assumed-role/([^/]+)/.+")


@dataclass
class RegisteredPolicies:
    identity: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    """User or role ARN -> the identity policies that apply to it."""
    resource: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Resource ARN -> its resource policy (role trust, key policy)."""
    role_tags: dict[str, dict[str, str]] = field(default_factory=dict)
    """Role ARN -> its tags."""
    endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)
    """VPC endpoint's service (``s3``, ``ssm``, ...) -> its policy."""

    def simulation(self, request: Request, endpoint: str | None = None) -> Simulation:
        """The request, with the policies AWS would evaluate for it; through the named VPC endpoint, if any."""
        return Simulation(
            request=request,
            identity_policies=self.identity.get(identity_of(request.principal), []),
            resource_policy=self.resource.get(request.resource),
            endpoint_policy=self.endpoints[endpoint] if endpoint else None,
        )

    def copy(self) -> RegisteredPolicies:
        return copy.deepcopy(self)

    def documents(self) -> list[dict[str, Any]]:
        """Every policy document, identity, resource and endpoint, for changing them all alike."""
        identity = [policy for policies in self.identity.values() for policy in policies]
        return identity + list(self.resource.values()) + list(self.endpoints.values())


def identity_of(principal: str) -> str:
    """The IAM identity whose policies apply: a role session's role, or the principal itself."""
    match = _ASSUMED_ROLE.fullmatch(principal)
    return iam_role_arn(match[1], match[2], match[3]) if match else principal


def collect_policies(*runs: ProgramRun) -> RegisteredPolicies:
    policies = RegisteredPolicies()
    for run in runs:
        _collect(run, policies)
    return policies


def _collect(run: ProgramRun, policies: RegisteredPolicies) -> None:
    role_arns: dict[str, str] = {}
    for role in run.of_type("aws:iam/role:Role"):
        arn = role.outputs["arn"]
        role_arns[role.id] = role_arns[role.outputs["name"]] = arn
        policies.resource[arn] = role.json_input("assumeRolePolicy")
        policies.role_tags[arn] = role.inputs.get("tags", {})
    for role_policy in run.of_type("aws:iam/rolePolicy:RolePolicy"):
        policies.identity[role_arns[role_policy.inputs["role"]]].append(role_policy.json_input("policy"))

    managed = {p.outputs["arn"]: p.json_input("policy") for p in run.of_type("aws:iam/policy:Policy")}
    for attachment in run.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment"):
        if attachment.inputs["policyArn"] in managed:
            # A role the program does not create is an existing instance's, in the program's account.
            account = run.account()
            role_arn = role_arns.get(attachment.inputs["role"]) or iam_role_arn(
                account.partition, account.account_id, attachment.inputs["role"]
            )
            policies.identity[role_arn].append(managed[attachment.inputs["policyArn"]])

    user_arns = {user.outputs["name"]: user.outputs["arn"] for user in run.of_type("aws:iam/user:User")}
    members = {m.inputs["group"]: m.inputs["users"] for m in run.of_type("aws:iam/groupMembership:GroupMembership")}
    for group_policy in run.of_type("aws:iam/groupPolicy:GroupPolicy"):
        for user in members.get(group_policy.inputs["group"], []):
            policies.identity[user_arns[user]].append(group_policy.json_input("policy"))
    for user_policy in run.of_type("aws:iam/userPolicy:UserPolicy"):
        policies.identity[user_arns[user_policy.inputs["user"]]].append(user_policy.json_input("policy"))

    for key in run.of_type("aws:kms/key:Key"):
        policies.resource[key.outputs["arn"]] = key.json_input("policy")
    for endpoint in run.of_type("aws:ec2/vpcEndpoint:VpcEndpoint"):
        policies.endpoints[endpoint.inputs["serviceName"].rsplit(".", 1)[-1]] = endpoint.json_input("policy")
