"""AWS's documented limits, checked on every document and name a program run registered.

Mocks accept anything; AWS refuses what exceeds these, at deployment. The figures are the defaults of
the IAM User Guide ("IAM and AWS STS quotas": IAM does not count white space in policy sizes), the AWS
KMS Developer Guide (key policy), the AWS PrivateLink Guide (endpoint policy), the Amazon EC2 User Guide
(user data), the tagging guide, the IAM Identity Center User Guide ("Quotas and limits in IAM Identity
Center": a permission set's inline policy), and the SNS Developer Guide ("Amazon SNS API permissions: Actions
and resources reference", Policy quotas: a topic policy).
"""

from __future__ import annotations

import base64
import re
from collections import defaultdict
from dataclasses import dataclass

from harness.program_run import ProgramRun, RegisteredResource

ROLE_TRUST_POLICY = 2048
"""Characters, white space not counted; 4,096 at most on request."""
ROLE_INLINE_POLICIES = 10240
"""All inline policies of one role together, white space not counted."""
GROUP_INLINE_POLICIES = 5120
USER_INLINE_POLICIES = 2048
MANAGED_POLICY = 6144
PERMISSION_SET_INLINE_POLICY = 10240
"""Characters other than white space; 32,768 bytes in all."""
PERMISSION_SET_INLINE_POLICY_BYTES = 32768
KMS_KEY_POLICY = 32768
"""Bytes."""
SNS_TOPIC_POLICY = 30000
"""Bytes: "30 kb", read as the smaller 30,000 so that either reading holds."""
ENDPOINT_POLICY = 20480
"""Characters, white space included."""
USER_DATA = 16384
"""Bytes, before base64."""
NAMES = {"aws:iam/role:Role": 64, "aws:iam/user:User": 64, "aws:iam/group:Group": 128, "aws:iam/policy:Policy": 128}
TAG_KEY, TAG_VALUE = 128, 256


@dataclass(frozen=True)
class Violation:
    resource: str
    what: str
    size: int
    limit: int

    def __str__(self) -> str:
        return f"{self.resource}: {self.what} is {self.size}, over AWS's {self.limit}"


def iam_size(document: str) -> int:
    """A policy's size as IAM counts it: its characters, white space not counted."""
    return len(re.sub(r"\s", "", document))


def quota_violations(run: ProgramRun) -> list[Violation]:
    found: list[Violation] = []

    def check(resource: RegisteredResource, what: str, size: int, limit: int) -> None:
        if size > limit:
            found.append(Violation(resource.name, what, size, limit))

    inline: dict[tuple[str, str], int] = defaultdict(int)
    inline_limits = {
        "aws:iam/rolePolicy:RolePolicy": ("role", ROLE_INLINE_POLICIES),
        "aws:iam/groupPolicy:GroupPolicy": ("group", GROUP_INLINE_POLICIES),
        "aws:iam/userPolicy:UserPolicy": ("user", USER_INLINE_POLICIES),
    }
    for resource in run.resources:
        inputs = resource.inputs
        if resource.type in NAMES and inputs.get("name"):
            check(resource, "its name's length", len(inputs["name"]), NAMES[resource.type])
        if resource.type == "aws:iam/role:Role":
            check(resource, "its trust policy", iam_size(inputs["assumeRolePolicy"]), ROLE_TRUST_POLICY)
        elif resource.type in inline_limits:
            holder, _ = inline_limits[resource.type]
            inline[(resource.type, str(inputs[holder]))] += iam_size(inputs["policy"])
        elif resource.type == "aws:iam/policy:Policy":
            check(resource, "its policy", iam_size(inputs["policy"]), MANAGED_POLICY)
        elif resource.type == "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy":
            policy = inputs["inlinePolicy"]
            check(resource, "its inline policy", iam_size(policy), PERMISSION_SET_INLINE_POLICY)
            check(resource, "its inline policy (bytes)", len(policy.encode()), PERMISSION_SET_INLINE_POLICY_BYTES)
        elif resource.type == "aws:kms/key:Key":
            check(resource, "its key policy (bytes)", len(inputs["policy"].encode()), KMS_KEY_POLICY)
        elif resource.type == "aws:sns/topicPolicy:TopicPolicy":
            check(resource, "its topic policy (bytes)", len(inputs["policy"].encode()), SNS_TOPIC_POLICY)
        elif resource.type == "aws:ec2/vpcEndpoint:VpcEndpoint" and "policy" in inputs:
            check(resource, "its endpoint policy", len(inputs["policy"]), ENDPOINT_POLICY)
        elif resource.type == "aws:ec2/instance:Instance" and "userDataBase64" in inputs:
            check(resource, "its user data (bytes)", len(base64.b64decode(inputs["userDataBase64"])), USER_DATA)
        elif resource.type == "aws:ec2/instance:Instance" and "userData" in inputs:
            check(resource, "its user data (bytes)", len(inputs["userData"].encode()), USER_DATA)
        for key, value in (inputs.get("tags") or {}).items():
            check(resource, f"tag key {key!r}", len(key), TAG_KEY)
            check(resource, f"the value of tag {key!r}", len(str(value)), TAG_VALUE)
    for (resource_type, holder), size in inline.items():
        kind, limit = inline_limits[resource_type]
        if size > limit:
            found.append(Violation(f"{kind} {holder}", "its inline policies together", size, limit))
    return found
