"""Pulumi mocks that answer like AWS would, deterministically and in any partition.

Resources get the identifiers and ARNs AWS would give them (partition-aware), so the policies the
program writes can be evaluated as AWS would evaluate them. Every invoke the program makes must
have an answer here: an unexpected one fails loudly rather than returning nothing.
"""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from components.arns import AwsAccount, arn, iam_role_arn
from harness.wire import decode, unwrap

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
    instance_type: str = "t3.micro"
    """Its type: a mac family (``mac2.metal``) means it runs macOS."""


@dataclass
class AwsMocks(pulumi.runtime.Mocks):
    """Deterministic answers: the same program and config always get the same identifiers."""

    partition: str = "aws"
    region: str = "eu-west-1"
    account_id: str = "111122223333"
    zones: tuple[str, ...] = ("a", "b", "c")
    """The availability zones open to the account, as suffixes of the region."""
    stack_references: Mapping[str, StackReferenceOutputs] = field(default_factory=dict)
    existing_instances: Mapping[str, ExistingInstance] = field(default_factory=dict)
    endpoints_without_policy_support: frozenset[str] = frozenset()
    """Endpoint services (``ssmmessages``...) whose ``VpcEndpointPolicySupported`` is false here: which ones
    are is not documented, so a test chooses."""

    @property
    def dns_suffix(self) -> str:
        return PARTITION_DNS[self.partition][0]

    # -- invokes -------------------------------------------------------------------------------

    @property
    def account(self) -> AwsAccount:
        """Where the mocked program runs."""
        return AwsAccount(self.partition, self.account_id, self.region)

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
                "arn": arn(self.partition, "iam", "", self.account_id, "user/deployer"),
                "userId": "AIDADEPLOYER",
            },
            "aws:index/getRegion:getRegion": lambda _: {
                "id": self.region,
                "region": self.region,
                "name": self.region,
                "endpoint": f"ec2.{self.region}.{self.dns_suffix}",
                "description": self.region,
            },
            "aws:index/getServicePrincipal:getServicePrincipal": self._service_principal,
            "aws:index/getAvailabilityZones:getAvailabilityZones": lambda _: {
                "id": self.region,
                "names": [f"{self.region}{zone}" for zone in self.zones],
                "zoneIds": [f"{self.region[:3]}-az{n}" for n in range(1, len(self.zones) + 1)],
            },
            "aws:ec2/getVpcEndpointService:getVpcEndpointService": self._endpoint_service,
            "aws:ec2/getInstanceType:getInstanceType": lambda args: {
                "id": args["instanceType"],
                "instanceType": args["instanceType"],
                "supportedArchitectures": [instance_type_architecture(args["instanceType"])],
            },
            "aws:ec2/getInstance:getInstance": self._existing_instance,
            "aws:iam/getInstanceProfile:getInstanceProfile": self._instance_profile,
            "aws:ssm/getParameter:getParameter": lambda args: {
                "id": args["name"],
                "name": args["name"],
                "type": "String",
                "value": "ami-" + hashlib.sha256(args["name"].encode()).hexdigest()[:17],
            },
        }

    def _endpoint_service(self, args: dict[str, Any]) -> dict[str, Any]:
        """As DescribeVpcEndpointServices answers: interface services have a private DNS name, gateway ones none."""
        service = args["service"]
        interface = args["serviceType"] == "Interface"
        private_dns_name = f"{service}.{self.region}.{self.dns_suffix}" if interface else ""
        return {
            "id": service,
            "serviceName": f"{PARTITION_DNS[self.partition][1]}.{self.region}.{service}",
            "serviceType": args["serviceType"],
            "privateDnsName": private_dns_name,
            "privateDnsNames": [private_dns_name] if interface else [],
            "vpcEndpointPolicySupported": service not in self.endpoints_without_policy_support,
        }

    def _existing_instance(self, args: dict[str, Any]) -> dict[str, Any]:
        instance_id = args["instanceId"]
        instance = self.existing_instances.get(instance_id)
        if instance is None:
            raise LookupError(f"no EC2 instance {instance_id} in the mocked account")
        return {
            "id": instance_id,
            "instanceId": instance_id,
            "instanceType": instance.instance_type,
            "iamInstanceProfile": instance.instance_profile or "",
        }

    def _instance_profile(self, args: dict[str, Any]) -> dict[str, Any]:
        name = args["name"]
        # Instances may share a profile (one role for a fleet): any of them gives its role.
        instance = next(i for i in self.existing_instances.values() if i.instance_profile == name)
        return {
            "id": name,
            "name": name,
            "arn": arn(self.partition, "iam", "", self.account_id, f"instance-profile/{name}"),
            "roleName": instance.role_name,
            "roleArn": iam_role_arn(self.partition, self.account_id, instance.role_name),
        }

    def _service_principal(self, args: dict[str, Any]) -> dict[str, Any]:
        service = args["serviceName"]
        # As AWS answers it: CloudWatch Logs has regional principals; the rest, global ones.
        host = f"{service}.{self.region}" if service == "logs" else service
        name = f"{host}.{self.dns_suffix}"
        return {"id": name, "name": name, "serviceName": service, "region": self.region, "suffix": self.dns_suffix}

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
            "aws:iam/user:User": lambda p: p.named_arn(
                "iam", "user" + (p.inputs.get("path") or "/") + "{name}", unique_id="AIDA"
            ),
            "aws:iam/group:Group": lambda p: p.named_arn("iam", "group/{name}", unique_id="AGPA"),
            "aws:iam/role:Role": lambda p: p.named_arn("iam", "role/{name}", unique_id="AROA"),
            "aws:iam/accessKey:AccessKey": _access_key,
            "aws:secretsmanager/secret:Secret": lambda p: p.named_arn(
                "secretsmanager", "secret:{name}-" + p.token(6, string.ascii_letters), regional=True, id_is_arn=True
            ),
            "aws:iam/instanceProfile:InstanceProfile": lambda p: p.named_arn("iam", "instance-profile/{name}"),
            "aws:iam/policy:Policy": lambda p: p.named_arn("iam", "policy/{name}", id_is_arn=True),
            "aws:kms/key:Key": _kms_key,
            "aws:cloudwatch/logGroup:LogGroup": lambda p: p.named_arn("logs", "log-group:{name}", regional=True),
            "aws:ssm/document:Document": lambda p: p.named_arn("ssm", "document/{name}", regional=True),
            "aws:lambda/function:Function": lambda p: p.named_arn("lambda", "function:{name}", regional=True),
            "aws:scheduler/schedule:Schedule": lambda p: p.named_arn(
                "scheduler", "schedule/default/{name}", regional=True
            ),
            "aws:cloudwatch/eventRule:EventRule": lambda p: p.named_arn("events", "rule/{name}", regional=True),
            "aws:sns/topic:Topic": lambda p: p.named_arn("sns", "{name}", regional=True, id_is_arn=True),
            "aws:cloudtrail/trail:Trail": lambda p: p.named_arn("cloudtrail", "trail/{name}", regional=True),
            "aws:s3/bucket:Bucket": _s3_bucket,
            "aws:ec2/vpc:Vpc": lambda p: p.ec2_resource("vpc"),
            "aws:ec2/subnet:Subnet": lambda p: p.ec2_resource("subnet"),
            "aws:ec2/routeTable:RouteTable": lambda p: p.ec2_resource("route-table", "rtb"),
            "aws:ec2/securityGroup:SecurityGroup": lambda p: p.ec2_resource("security-group", "sg"),
            "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": lambda p: p.ec2_resource("security-group", "sg"),
            "aws:ec2/vpcEndpoint:VpcEndpoint": _vpc_endpoint,
            "aws:ec2/flowLog:FlowLog": lambda p: p.ec2_resource("vpc-flow-log", "fl"),
            "aws:ec2/instance:Instance": _instance,
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
        # The account is part of the seed: two stacks in two accounts never share an identifier.
        self.seed = f"{mocks.account_id}::{args.typ}::{args.name}"

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

    def ec2_resource(self, resource_type: str, id_prefix: str | None = None) -> tuple[str, dict[str, Any]]:
        """An EC2 resource: an id like ``vpc-0a1b…`` and its ARN."""
        mocks = self.mocks
        resource_id = f"{id_prefix or resource_type}-{self.token(17)}"
        return resource_id, {
            "arn": arn(mocks.partition, "ec2", mocks.region, mocks.account_id, f"{resource_type}/{resource_id}")
        }

    def named_arn(
        self, service: str, resource: str, *, regional: bool = False, unique_id: str = "", id_is_arn: bool = False
    ) -> tuple[str, dict[str, Any]]:
        name = self.physical_name()
        region = self.mocks.region if regional else ""
        resource_arn = arn(self.mocks.partition, service, region, self.mocks.account_id, resource.format(name=name))
        outputs: dict[str, Any] = {"name": name, "arn": resource_arn}
        if unique_id:
            outputs["uniqueId"] = unique_id + self.token(17, string.ascii_uppercase + string.digits)
        return (resource_arn if id_is_arn else name), outputs


def instance_type_architecture(instance_type: str) -> str:
    """Graviton families carry a ``g`` after their generation digit (t4g, m7g, c7gn); the rest are x86."""
    family = instance_type.split(".")[0]
    return "arm64" if re.fullmatch(r"[a-z]+[0-9]+g[a-z]*", family) else "x86_64"


def _kms_key(physical: _Physical) -> tuple[str, dict[str, Any]]:
    token = physical.token(32)
    key_id = f"{token[:8]}-{token[8:12]}-{token[12:16]}-{token[16:20]}-{token[20:32]}"
    mocks = physical.mocks
    return key_id, {
        "keyId": key_id,
        "arn": arn(mocks.partition, "kms", mocks.region, mocks.account_id, f"key/{key_id}"),
    }


def _s3_bucket(physical: _Physical) -> tuple[str, dict[str, Any]]:
    """A bucket named by Pulumi unless given a name; its ARN has neither region nor account."""
    name = physical.inputs.get("bucket") or f"{physical.args.name}-{physical.token(7)}"
    return name, {"bucket": name, "arn": arn(physical.mocks.partition, "s3", "", "", name)}


def _vpc_endpoint(physical: _Physical) -> tuple[str, dict[str, Any]]:
    resource_id, outputs = physical.ec2_resource("vpc-endpoint", "vpce")
    if physical.inputs.get("vpcEndpointType") == "Gateway":
        outputs["prefixListId"] = "pl-" + physical.token(8)
    return resource_id, outputs


def _instance(physical: _Physical) -> tuple[str, dict[str, Any]]:
    resource_id, outputs = physical.ec2_resource("instance", "i")
    outputs["privateIp"] = "10.24.34." + str(10 + int(physical.token(2), 16) % 200)
    outputs["publicIp"] = ""
    return resource_id, outputs


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
