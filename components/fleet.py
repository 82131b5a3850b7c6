"""InstanceFleet: the ABAC-tagged instances, their instance role, and the Run As OS users."""

from __future__ import annotations

import base64
import functools
import gzip
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import pulumi
import pulumi_aws as aws

from components.arns import AwsAccount
from components.contract import PROJECT
from components.fleet_policies import instance_role_policy
from components.iam_documents import service_trust_policy
from components.run_as_user.converge_script import RUN_AS_USER_SCHEDULE, PartyOsUsers, run_as_user_script

FIRST_BOOT = "#!/bin/bash\n"
"""User data runs as a script at first boot when it starts with a shebang."""


@functools.cache  # the same script for each of a party's instances: compressed once
def first_boot_user_data(script: str) -> str:
    """The converge script as the instance's user data, gzip-compressed and base64-encoded.

    EC2 takes at most 16 KB of user data before base64 (Amazon EC2 User Guide, "Run commands when you launch
    an EC2 instance with user data input"), which the whole script (both platforms' branches, the party's
    people) outgrows; cloud-init, which runs user data on Amazon Linux 2023, uncompresses gzip content and
    uses it as if it were not compressed (cloud-init documentation, "User data formats", Gzip compressed
    content). ``mtime=0`` keeps the bytes the same for the same script, so an update shows no change.
    """
    return base64.b64encode(gzip.compress((FIRST_BOOT + script).encode(), mtime=0)).decode()


IMDS_HOP_LIMIT = 1
"""Instance metadata answers the instance itself only, never a container or a forwarded hop."""


@dataclass(frozen=True)
class NewInstance:
    name: str
    """The instance's Name tag and resource name."""
    granted_to: str
    """The party whose sessions may reach it (the ABAC tag's value)."""
    instance_type: str
    """The EC2 instance type."""
    image_id: str
    """The Amazon Linux 2023 image for its architecture, looked up when it is first created."""
    subnet_id: pulumi.Input[str]
    """The private subnet it lives in."""


@dataclass(frozen=True)
class FleetInstance:
    """What the stack reports of each instance."""

    instance_id: pulumi.Output[str] | str
    party: str
    os_user: str
    """Its party's shared user, or the pattern of each person's (``tpa-<IAM user name>``)."""

    def as_output(self) -> dict[str, object]:
        return {"id": self.instance_id, "party": self.party, "osUser": self.os_user}


@dataclass
class InstanceFleetArgs:
    tag_key: str
    """The ABAC tag key; its value on each instance is the party granted to it."""
    new_instances: Sequence[NewInstance]
    """Instances the fleet creates."""
    existing_instances: Mapping[str, str]
    """Instance id -> party, for instances you already run: only tagged, never replaced or stopped."""
    os_users: Mapping[str, PartyOsUsers]
    """Party -> the plain OS users its sessions run as (one for the party, or one per person)."""
    access_ends: Mapping[str, datetime | None]
    """Party -> when its access ends, if ever: its user is removed on the first run after."""
    security_group_id: pulumi.Input[str]
    """The instances' security group (HTTPS to the endpoints only)."""
    account: AwsAccount
    """Where the instances run: their role's permissions name this account's resources only."""
    ec2_service_principal: str
    """EC2's principal in this partition (it assumes the instance role)."""
    agent_buckets: Sequence[str]
    """The AWS-owned buckets SSM Agent reads here (the same list the S3 gateway endpoint lets through)."""


class InstanceFleet(pulumi.ComponentResource):
    """New instances on the current Amazon Linux 2023 (IMDSv2 only, encrypted root volume, no public
    address), existing instances tagged in place, and per party a State Manager association that
    creates its Run As user on exactly the instances tagged for it."""

    instance_role: aws.iam.Role
    """The role of the fleet's instances: only what SSM Agent needs, usable only from the instance itself;
    session logging is granted apart."""
    instances: dict[str, FleetInstance]
    """Name (or id, for an existing instance) -> what it is and who may reach it."""

    def __init__(self, name: str, args: InstanceFleetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(f"{PROJECT}:fleet:InstanceFleet", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.instance_role = aws.iam.Role(
            f"{name}-instance-role",
            description="Private instances managed by Systems Manager",
            assume_role_policy=pulumi.Output.json_dumps(service_trust_policy(args.ec2_service_principal)),
            opts=child,
        )
        # Not AmazonSSMManagedInstanceCore: its ssm:GetParameter* on "*" reads every parameter of the account.
        aws.iam.RolePolicy(
            f"{name}-instance-agent",
            role=self.instance_role.id,
            policy=pulumi.Output.json_dumps(instance_role_policy(args.account, args.agent_buckets)),
            opts=child,
        )
        profile = aws.iam.InstanceProfile(f"{name}-instance-profile", role=self.instance_role.name, opts=child)

        def converge_script(party: str) -> pulumi.Output[str]:
            return args.os_users[party].names().apply(lambda users: run_as_user_script(users, args.access_ends[party]))

        self.instances = {}
        for instance in args.new_instances:
            created = aws.ec2.Instance(
                f"{name}-{instance.name}",
                ami=instance.image_id,
                instance_type=instance.instance_type,
                subnet_id=instance.subnet_id,
                vpc_security_group_ids=[args.security_group_id],
                iam_instance_profile=profile.name,
                associate_public_ip_address=False,
                metadata_options={
                    "http_endpoint": "enabled",
                    "http_tokens": "required",  # IMDSv2 only
                    "http_put_response_hop_limit": IMDS_HOP_LIMIT,
                },
                root_block_device={"encrypted": True, "volume_type": "gp3"},
                tags={args.tag_key: instance.granted_to, "Name": instance.name},
                # At first boot the instance converges on its grant, so the first session finds its user.
                user_data_base64=converge_script(instance.granted_to).apply(first_boot_user_data),
                # A new image release must not replace running instances on every update, and user data
                # matters at first boot only (the association converges the instance afterwards).
                opts=pulumi.ResourceOptions(parent=self, ignore_changes=["ami", "userData", "userDataBase64"]),
            )
            self.instances[instance.name] = FleetInstance(
                created.id, instance.granted_to, args.os_users[instance.granted_to].shown
            )
        for instance_id, party in args.existing_instances.items():
            # Only the ABAC tag is managed: the instance itself is never replaced, stopped or changed.
            aws.ec2.Tag(
                f"{name}-{instance_id}-grant", resource_id=instance_id, key=args.tag_key, value=party, opts=child
            )
            self.instances[instance_id] = FleetInstance(instance_id, party, args.os_users[party].shown)

        for party, os_users in args.os_users.items():
            aws.ssm.Association(
                f"{name}-run-as-{os_users.label}",
                association_name=f"{PROJECT}-run-as-{os_users.label}",
                name="AWS-RunShellScript",
                targets=[{"key": f"tag:{args.tag_key}", "values": [party]}],
                parameters={"commands": converge_script(party)},
                schedule_expression=RUN_AS_USER_SCHEDULE,
                compliance_severity="HIGH",
                opts=child,
            )

        self.register_outputs(
            {
                "instanceRoleArn": self.instance_role.arn,
                "instances": {key: instance.as_output() for key, instance in self.instances.items()},
            }
        )
