"""Each security condition, removed from the registered policies one at a time.

A mutation that no case of the decision table notices means the table is missing a case: the
condition could break and nothing would say so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from components.contract import RUN_AS_TAG
from components.remote_access_policies import (
    FEDERATED_ASSUME_SID,
    FEDERATED_SET_SOURCE_IDENTITY_SID,
    IDENTITY_CENTER_ASSUME_SID,
    IDENTITY_CENTER_SET_SOURCE_IDENTITY_SID,
    ONLY_THE_PEOPLE_SID,
)
from components.session_access_policies import PORT_DOCUMENT_SID
from proof.access_model import RegisteredPolicies
from proof.cases import decide_over
from proof.cases.case import Case

Mutation = Callable[[RegisteredPolicies], RegisteredPolicies]


def on_every_statement(edit: Callable[[dict[str, Any]], None]) -> Mutation:
    """A copy of the registered policies with ``edit`` applied to every statement of every document."""

    def mutate(policies: RegisteredPolicies) -> RegisteredPolicies:
        mutated = policies.copy()
        for document in mutated.documents():
            for statement in document["Statement"]:
                edit(statement)
            document["Statement"] = [statement for statement in document["Statement"] if statement]
        return mutated

    return mutate


def without_condition_key(key: str, sid: str | None = None) -> Mutation:
    """Every condition on ``key`` (or on a key starting with ``key``) removed, wherever it appears (or in the
    statements with this Sid only)."""

    def edit(statement: dict[str, Any]) -> None:
        if sid is not None and statement.get("Sid") != sid:
            return
        condition = statement.get("Condition", {})
        for operator in list(condition):
            for condition_key in [k for k in condition[operator] if k.startswith(key)]:
                del condition[operator][condition_key]
            if not condition[operator]:
                del condition[operator]
        if "Condition" in statement and not condition:
            del statement["Condition"]

    return on_every_statement(edit)


def without_statement(sid: str) -> Mutation:
    """The statement with this Sid removed from every document (emptied, then dropped)."""

    def edit(statement: dict[str, Any]) -> None:
        if statement.get("Sid") == sid:
            statement.clear()

    return on_every_statement(edit)


def widened_statement(sid: str) -> Mutation:
    """The statement with this Sid made to apply to every resource."""

    def edit(statement: dict[str, Any]) -> None:
        if statement.get("Sid") == sid:
            statement["Resource"] = "*"

    return on_every_statement(edit)


def in_any_region_and_account(sid: str) -> Mutation:
    """The statement with this Sid made to name its resources in every region and account."""

    def edit(statement: dict[str, Any]) -> None:
        if statement.get("Sid") == sid:
            fields = statement["Resource"].split(":", 5)
            statement["Resource"] = ":".join([*fields[:3], "*", "*", fields[5]])

    return on_every_statement(edit)


def without_operator(operator: str) -> Mutation:
    """Every condition under ``operator`` removed, wherever it appears."""

    def edit(statement: dict[str, Any]) -> None:
        statement.get("Condition", {}).pop(operator, None)
        if "Condition" in statement and not statement["Condition"]:
            del statement["Condition"]

    return on_every_statement(edit)


def sign_in_mutations() -> dict[str, Mutation]:
    """Each condition of the local role's trust when the people sign in through IAM Identity Center or federated
    roles (``proof/cases/identity_center.py`` holds the cases that notice them)."""
    idc_assume, idc_set = IDENTITY_CENTER_ASSUME_SID, IDENTITY_CENTER_SET_SOURCE_IDENTITY_SID
    return {
        "Identity Center: the source identity is the session's own attribute": without_condition_key(
            "sts:SourceIdentity", sid=idc_assume
        ),
        "Identity Center: a session sets only its own attribute as source identity": without_condition_key(
            "sts:SourceIdentity", sid=idc_set
        ),
        "Identity Center: the session name is the session's own attribute": without_condition_key(
            "sts:RoleSessionName", sid=idc_assume
        ),
        "Identity Center: only the permission set's roles assume": without_condition_key(
            "aws:PrincipalArn", sid=idc_assume
        ),
        "Identity Center: only the permission set's roles set a source identity": without_condition_key(
            "aws:PrincipalArn", sid=idc_set
        ),
        "Identity Center: not a permission set whose name only begins the same": without_operator("ArnNotLike"),
        "federated: only the listed roles": without_condition_key("aws:PrincipalArn", sid=FEDERATED_ASSUME_SID),
        "federated: the session is named after its source identity": without_condition_key(
            "sts:RoleSessionName", sid=FEDERATED_ASSUME_SID
        ),
        "federated: the source identity stays the one the identity provider set": without_condition_key(
            "sts:SourceIdentity", sid=FEDERATED_SET_SOURCE_IDENTITY_SID
        ),
        "both: only the listed people chain on from the local role": without_statement(ONLY_THE_PEOPLE_SID),
    }


def mutations(tag_key: str) -> dict[str, Mutation]:
    """Every security condition of the product, by name."""
    return {
        "ExternalId": without_condition_key("sts:ExternalId"),
        "ABAC tag condition": without_condition_key(f"ssm:resourceTag/{tag_key}"),
        "session document access check": without_condition_key("ssm:SessionDocumentAccessCheck"),
        "source identity": without_condition_key("sts:SourceIdentity"),
        "expiry": without_condition_key("aws:CurrentTime"),
        "MFA requirement": without_condition_key("aws:MultiFactorAuthPresent"),
        # The same tag bounds the sweeper to the sessions of this stack's session roles.
        "own sessions only, the sweeper's session roles only": without_condition_key(
            "ssm:resourceTag/aws:ssmmessages:session-id"
        ),
        "deny on chaining, commands and listings": without_statement("DenyChainingCommandsAndListings"),
        "deny on any other session document": without_statement("DenySessionsThroughAnyOtherDocument"),
        "session name bound to the person": without_condition_key("sts:RoleSessionName"),
        "the local role trusts the stack's users only": without_condition_key("aws:PrincipalArn"),
        "data channels of own sessions only": widened_statement("OpenDataChannelsOfOwnSessionsOnly"),
        "data channels in this account and region only": in_any_region_and_account("OpenDataChannelsOfOwnSessionsOnly"),
        "data channels end at the expiry": without_condition_key(
            "aws:CurrentTime", sid="OpenDataChannelsOfOwnSessionsOnly"
        ),
        "resuming and ending own sessions end at the expiry": without_condition_key(
            "aws:CurrentTime", sid="EndOrResumeOnlyOwnSessions"
        ),
        "only the party's listed people (one OS user per person)": without_statement("DenyEveryoneButThePartysPeople"),
        "instance credentials only through their VPC": without_statement("DenyInstanceCredentialsOutsideTheirVpc"),
        "instance credentials only from their instance": without_statement("DenyInstanceCredentialsFromAnotherAddress"),
        "endpoints admit only this account's principals": without_condition_key("aws:PrincipalAccount"),
        "endpoints reach only this account's resources": without_condition_key("aws:ResourceAccount"),
        "S3 gateway reads only AWS's listed buckets": widened_statement("ReadAwsOwnedRepositoriesAndAgentBuckets"),
        "the Run As session tag names the caller's own OS user": without_condition_key(f"aws:RequestTag/{RUN_AS_TAG}"),
        "a session must carry the Run As tag (one OS user per person)": without_condition_key(
            f"aws:RequestTag/{RUN_AS_TAG}", sid="PartyRoleWithExternalIdAndSourceIdentity"
        ),
        "no session tag but the Run As one": without_condition_key("aws:TagKeys"),
        "port forwarding through the party's own port document": without_statement(PORT_DOCUMENT_SID),
        "port forwarding ends at the expiry": without_condition_key("aws:CurrentTime", sid=PORT_DOCUMENT_SID),
    }


def unnoticed(mutations: Mapping[str, Mutation], policies: RegisteredPolicies, cases: list[Case]) -> dict[str, str]:
    """Each mutation that the decision table does not notice, and why: it removed nothing, or no case is then
    decided otherwise than expected. The engine decides every mutated table in one call."""
    mutated = {name: mutate(policies) for name, mutate in mutations.items()}
    decided = decide_over(list(mutated.values()), cases)
    missed = {name: "nothing was removed" for name, changed in mutated.items() if changed == policies}
    for name, decisions in zip(mutated, decided, strict=True):
        if name not in missed and all(d == c.expected for c, d in zip(cases, decisions, strict=True)):
            missed[name] = "no decision changes: the table misses a case"
    return missed
