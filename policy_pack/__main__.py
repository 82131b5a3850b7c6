"""Serves the security bar to the Pulumi CLI: pulumi preview --policy-pack policy_pack."""

from pulumi_policy import PolicyPack
from security_bar import POLICIES

PolicyPack(name="third-party-ec2-access-security-bar", policies=POLICIES)
