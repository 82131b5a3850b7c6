"""The role chain's requests as the client sends them, and what IAM decides each one on.

The access proof decides hop 1 (a user into the local role) and hop 2 (the local role into your
session role) over request contexts; those must be the credentials helper's, not what we believe it
sends (ARCHITECTURE.md, Faithful doubles). ``assume_role_request`` turns one STS AssumeRole request, as
its form fields reach STS (the Query protocol the SDKs speak to it), into the actions IAM authorizes it
as and the context keys its parameters put there. A parameter it does not know is an error, so a
client that starts sending one fails the proof's test instead of going unmodelled.

Other keys of the proof's contexts are not parameters: AWS sets them from the signed credentials, the
clock, or the caller's own session (``SET_BY_AWS``).

What AWS documents for each parameter:
- ``RoleSessionName``, ``ExternalId``, ``SourceIdentity``, ``TransitiveTagKeys``: the keys
  ``sts:RoleSessionName``, ``sts:ExternalId``, ``sts:SourceIdentity``, ``sts:TransitiveTagKeys`` are
  present when the caller provides them (IAM User Guide: IAM and AWS STS condition context keys).
  For ``sts:SourceIdentity`` in a chained call that does not pass it, the same guide's page "Monitor and
  control actions taken with assumed roles" (Role chaining and cross-account requirements) says both
  ``aws:SourceIdentity`` and ``sts:SourceIdentity`` are present; the condition keys reference says only
  when provided. This module takes the narrower reading; a client that passes the value (the helper
  does, at both hops) gets the same context under both.
- ``SourceIdentity`` is also the action ``sts:SetSourceIdentity``, needed at every hop that passes it,
  in the caller's policy and the role's trust (same page, Permissions required to set source identity).
- ``Tags``: ``aws:RequestTag/<key>`` for each and ``aws:TagKeys`` for all, and the action
  ``sts:TagSession`` (IAM User Guide: Passing session tags in AWS STS).
- ``SerialNumber`` with ``TokenCode``: the caller authenticated with MFA, ``aws:MultiFactorAuthPresent``
  (IAM User Guide: Secure API access with MFA; AWS global condition context keys).
- ``DurationSeconds``: no key (``sts:DurationSeconds`` is for bearer tokens only, "not present for AWS STS
  assume-role operations": IAM and AWS STS condition context keys).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from components.arns import assumed_role_arn

SET_BY_AWS = {
    "aws:PrincipalArn": "the caller's ARN, from the credentials that signed the request",
    "aws:username": "the caller's IAM user name, present for an IAM user's own keys only",
    "aws:CurrentTime": "when the request arrives",
    "aws:SourceIdentity": "the source identity of the caller's own session, which an earlier hop set",
    "aws:MultiFactorAuthAge": "seconds since the caller authenticated with MFA",
}
"""Context keys the proof may give a hop that no parameter sets (IAM User Guide: AWS global condition
context keys), each with where AWS takes it from."""

WITHOUT_A_KEY = frozenset({"Action", "Version", "RoleArn", "DurationSeconds"})
"""Form fields that put no key in the context (RoleArn is the resource)."""

_MEMBER = re.compile(r"(Tags|TransitiveTagKeys)\.member\.([0-9]+)(?:\.(Key|Value))?")
_ROLE_ARN = re.compile(r"arn:([a-z-]+):iam::([0-9]{12}):role/(?:.*/)?([^/]+)")

Context = dict[str, str | list[str]]


@dataclass(frozen=True)
class AssumeRoleRequest:
    role_arn: str
    """The role asked for: the resource of every action."""
    actions: tuple[str, ...]
    """Every action IAM authorizes the request as."""
    context: Context
    """The context keys the request's own parameters put there."""

    @property
    def session_arn(self) -> str:
        """The session the request returns, the caller of the next hop (AWS STS API Reference: AssumeRole,
        AssumedRoleUser: the role's name and the RoleSessionName)."""
        match = _ROLE_ARN.fullmatch(self.role_arn)
        if match is None:
            raise ValueError(f"not a role ARN: {self.role_arn}")
        partition, account, role_name = match.groups()
        return assumed_role_arn(partition, account, role_name, str(self.context["sts:RoleSessionName"]))


def assume_role_request(form: Mapping[str, str | Sequence[str]]) -> AssumeRoleRequest:
    """What IAM decides an AssumeRole request on, from its form fields (each a value, or the one-value
    list a parsed query string holds)."""
    fields = {name: _one(name, value) for name, value in form.items()}
    if fields.get("Action") != "AssumeRole":
        raise ValueError(f"not an AssumeRole request: Action={fields.get('Action')!r}")
    tags: dict[str, dict[str, str]] = {}
    transitive: dict[str, str] = {}
    context: Context = {}
    for name, value in fields.items():
        member = _MEMBER.fullmatch(name)
        if member and member[1] == "Tags" and member[3]:
            tags.setdefault(member[2], {})[member[3]] = value
        elif member and member[1] == "TransitiveTagKeys" and not member[3]:
            transitive[member[2]] = value
        elif name in ("RoleSessionName", "ExternalId", "SourceIdentity"):
            context[f"sts:{name}"] = value
        elif name not in WITHOUT_A_KEY | {"SerialNumber", "TokenCode"}:
            raise ValueError(f"the AssumeRole request carries {name}, which the proof does not model")
    if "SerialNumber" in fields and "TokenCode" in fields:
        context["aws:MultiFactorAuthPresent"] = "true"
    ordered_tags = [tags[index] for index in sorted(tags, key=int)]
    for tag in ordered_tags:
        context[f"aws:RequestTag/{tag['Key']}"] = tag["Value"]
    if ordered_tags:
        context["aws:TagKeys"] = [tag["Key"] for tag in ordered_tags]
    if transitive:
        context["sts:TransitiveTagKeys"] = [transitive[index] for index in sorted(transitive, key=int)]
    actions = (
        "sts:AssumeRole",
        *(["sts:SetSourceIdentity"] if "SourceIdentity" in fields else []),
        *(["sts:TagSession"] if ordered_tags else []),
    )
    return AssumeRoleRequest(role_arn=fields["RoleArn"], actions=actions, context=context)


def _one(name: str, value: str | Sequence[str]) -> str:
    if isinstance(value, str):
        return value
    if len(value) != 1:
        raise ValueError(f"{name} holds {len(value)} values; a form field holds one")
    return value[0]
