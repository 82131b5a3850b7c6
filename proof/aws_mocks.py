"""Pulumi mocks that answer like AWS would, deterministically and in any partition.

Resources get the identifiers and ARNs AWS would give them (partition-aware), so the policies the
program writes can be evaluated as AWS would evaluate them. Every invoke the program makes must
have an answer here: an unexpected one fails loudly rather than returning nothing.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from proof.wire import decode, unwrap

PARTITION_DNS = {
    "aws": ("amazonaws.com", "com.amazonaws"),
    "aws-cn": ("amazonaws.com.cn", "cn.com.amazonaws"),
    "aws-us-gov": ("amazonaws.com", "com.amazonaws"),
}


@dataclass(frozen=True)
class StackReferenceOutputs:
    """What a referenced stack exports, and which of those outputs are secret."""

    outputs: Mapping[str, Any]
    secret_names: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ExistingInstance:
    """An instance the program does not create, as ``ec2:DescribeInstances`` would show it."""

    instance_profile: str | None
    """Its instance profile's name, or None when it has none."""
    role_name: str | None = None
    """The role inside that profile."""


@dataclass
class AwsMocks(pulumi.runtime.Mocks):
    """Deterministic answers: the same program and config always get the same identifiers."""

    partition: str = "aws"
    region: str = "eu-west-1"
    account_id: str = "111122223333"
    stack_references: Mapping[str, StackReferenceOutputs] = field(default_factory=dict)
    existing_instances: Mapping[str, ExistingInstance] = field(default_factory=dict)

    @property
    def dns_suffix(self) -> str:
        return PARTITION_DNS[self.partition][0]

    # -- invokes -------------------------------------------------------------------------------

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list]:
        answer = self._invoke_answers().get(args.token)
        if answer is None:
            raise NotImplementedError(f"no mock answer for invoke {args.token}({args.args})")
        return answer(args.args), []

    def _invoke_answers(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "aws:index/getPartition:getPartition": lambda _: {
                "id": self.partition,
                "partition": self.partition,
                "dnsSuffix": self.dns_suffix,
                "reverseDnsPrefix": PARTITION_DNS[self.partition][1],
            },
            "aws:index/getCallerIdentity:getCallerIdentity": lambda _: {
                "id": self.account_id,
                "accountId": self.account_id,
                "arn": f"arn:{self.partition}:iam::{self.account_id}:user/deployer",
                "userId": "AIDADEPLOYER",
            },
            "aws:index/getRegion:getRegion": lambda _: {
                "id": self.region,
                "region": self.region,
                "name": self.region,
                "endpoint": f"ec2.{self.region}.{self.dns_suffix}",
                "description": self.region,
            },
        }

    # -- resources -----------------------------------------------------------------------------

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        if not args.custom and args.typ != "pulumi:pulumi:StackReference":
            return None, dict(args.inputs)  # a component: nothing physical to describe
        describe = self._resource_descriptions().get(args.typ, _physical_default)
        resource_id, outputs = describe(_Physical(self, args))
        # The inputs keep their secret wrappers, so the state echoes them as secret.
        return resource_id, {**args.inputs, **outputs}

    def _resource_descriptions(self) -> dict[str, Callable[[_Physical], tuple[str, dict[str, Any]]]]:
        return {
            "pulumi:pulumi:StackReference": self._stack_reference,
            "random:index/randomPassword:RandomPassword": _random_password,
            "aws:iam/user:User": lambda p: p.named_arn("iam", "user/{name}", unique_id="AIDA"),
            "aws:iam/group:Group": lambda p: p.named_arn("iam", "group/{name}", unique_id="AGPA"),
            "aws:iam/role:Role": lambda p: p.named_arn("iam", "role/{name}", unique_id="AROA"),
            "aws:iam/accessKey:AccessKey": _access_key,
            "aws:secretsmanager/secret:Secret": lambda p: p.named_arn(
                "secretsmanager", "secret:{name}-" + p.token(6, string.ascii_letters), regional=True, id_is_arn=True
            ),
        }

    def _stack_reference(self, physical: _Physical) -> tuple[str, dict[str, Any]]:
        stack_name = physical.inputs["name"]
        reference = self.stack_references.get(stack_name)
        if reference is None:
            raise LookupError(f"the mocks know no stack {stack_name!r}")
        return stack_name, {
            "name": stack_name,
            "outputs": dict(reference.outputs),
            "secretOutputNames": sorted(reference.secret_names),
        }


class _Physical:
    """Helpers to describe one mocked resource."""

    def __init__(self, mocks: AwsMocks, args: pulumi.runtime.MockResourceArgs) -> None:
        self.mocks = mocks
        self.args = args
        self.inputs: dict[str, Any] = unwrap(decode(args.inputs))
        """The inputs as plain values (the mock monitor passes secrets in their wire wrapping)."""
        self.seed = f"{args.typ}::{args.name}"

    def token(self, length: int, alphabet: str = string.hexdigits[:16]) -> str:
        """Deterministic characters from the resource's type and logical name."""
        digest = hashlib.sha256(self.seed.encode()).digest()
        while len(digest) < length:
            digest += hashlib.sha256(digest).digest()
        return "".join(alphabet[b % len(alphabet)] for b in digest[:length])

    def physical_name(self) -> str:
        inputs = self.inputs
        if inputs.get("name"):
            return inputs["name"]
        if inputs.get("namePrefix"):
            return inputs["namePrefix"] + self.token(26, string.digits)
        return f"{self.args.name}-{self.token(7)}"  # Pulumi's auto-naming

    def named_arn(
        self, service: str, resource: str, *, regional: bool = False, unique_id: str = "", id_is_arn: bool = False
    ) -> tuple[str, dict[str, Any]]:
        name = self.physical_name()
        region = self.mocks.region if regional else ""
        arn = f"arn:{self.mocks.partition}:{service}:{region}:{self.mocks.account_id}:{resource.format(name=name)}"
        outputs: dict[str, Any] = {"name": name, "arn": arn}
        if unique_id:
            outputs["uniqueId"] = unique_id + self.token(17, string.ascii_uppercase + string.digits)
        return (arn if id_is_arn else name), outputs


def _physical_default(physical: _Physical) -> tuple[str, dict[str, Any]]:
    return f"{physical.args.name}-{physical.token(7)}", {}


def _random_password(physical: _Physical) -> tuple[str, dict[str, Any]]:
    alphabet = string.ascii_letters + string.digits
    if physical.inputs.get("special", True):
        alphabet += "!@#$%&*()-_=+[]{}<>:?"
    return "none", {"result": physical.token(int(physical.inputs["length"]), alphabet)}


def _access_key(physical: _Physical) -> tuple[str, dict[str, Any]]:
    key_id = "AKIA" + physical.token(16, string.ascii_uppercase + string.digits)
    secret = physical.token(40, string.ascii_letters + string.digits + "+/")
    return key_id, {"id": key_id, "secret": secret, "status": "Active"}
