"""What the session notifications match, say, and may do: the EventBridge patterns of the Session Manager calls,
the messages they become, and the policies of the topic, its key and the trail's bucket.

Pure functions returning plain dicts; values that are Outputs at deployment (rule ARNs, role ids) are placed
in them as they are, for ``pulumi.Output.json_dumps``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pulumi

from components.arns import AwsAccount, account_root_arn
from components.iam_documents import Statement, policy_document, statement
from components.log_group_policies import KEY_ADMINISTRATION_ACTIONS

CLOUDTRAIL_DETAIL_TYPE = "AWS API Call via CloudTrail"
"""The detail-type of every API call CloudTrail delivers to EventBridge (EventBridge User Guide, "AWS service
events delivered via AWS CloudTrail"); its source is the service's, ``aws.ssm`` for Systems Manager (EventBridge
Events Reference, "AWS Systems Manager events": source aws.ssm, eventSource ssm.amazonaws.com)."""


@dataclass(frozen=True)
class SessionCall:
    """One kind of Session Manager call a rule tells of, and how its message says it."""

    kind: str
    """Names its rule (``start``, ``start-reason``…)."""
    event_name: str
    """The API operation, as CloudTrail's ``eventName`` gives it."""
    reason_given: bool | None
    """StartSession only: whether the caller passed ``--reason`` (the request's ``reason``). A rule's message
    names only fields its pattern makes sure the event has, so a call with a reason and one without get a rule
    each; None for the calls that take none."""
    sentence: str
    """What the person did, with the placeholders of ``MESSAGE_PATHS``."""
    note: str = ""
    """What the message adds last, after the end of the party's access: the reason, which is the person's own
    words, so that nothing the stack says comes after them."""


STARTED = "started session <session> on instance <instance>"
PARTY_CALLS = (
    SessionCall("start", "StartSession", False, STARTED, " No reason given."),
    # The reason is any 1 to 256 characters but a line break (SSM API Reference, StartSession, Reason:
    # pattern ^.{1,256}$), so it could be written to read as another message ("… ended session …"): it goes
    # last, quoted and marked as the person's. EventBridge escapes the quotes of a value it puts in a string
    # (EventBridge User Guide, "Amazon EventBridge input transformation": only aws.events.event and
    # aws.events.event.json are not escaped), so the reason cannot end the message's text early either.
    SessionCall("start-reason", "StartSession", True, STARTED, ' Reason given by <person>: "<reason>"'),
    SessionCall("resume", "ResumeSession", None, "resumed session <requested_session>"),
    SessionCall("end", "TerminateSession", None, "ended session <requested_session>"),
)
"""Each call of a party's session role that is told of: a rule per party and kind."""

MESSAGE_PATHS = {
    "person": "$.detail.userIdentity.sessionContext.sourceIdentity",
    "time": "$.detail.eventTime",
    "address": "$.detail.sourceIPAddress",
    "session": "$.detail.responseElements.sessionId",
    "instance": "$.detail.requestParameters.target",
    "reason": "$.detail.requestParameters.reason",
    "requested_session": "$.detail.requestParameters.sessionId",
}
"""Where each placeholder's value is in the event. The person is the role session's source identity, which
the session role's trust requires and role chaining carries over (IAM User Guide, "Monitor and control actions
taken with assumed roles"), in ``userIdentity.sessionContext.sourceIdentity`` (CloudTrail User Guide,
"CloudTrail userIdentity element", AWS STS source identity). The target and reason are StartSession's request
parameters, the session id its response (SSM API Reference, StartSession: Target, Reason; SessionId);
ResumeSession and TerminateSession take the session id (SessionId). CloudTrail records the request's parameters
under ``requestParameters`` with the first letter lowered, as its Systems Manager example shows
(``requestParameters.name`` for DeleteDocument's Name: Systems Manager User Guide, "Logging AWS Systems Manager
API calls with AWS CloudTrail")."""


def rule_name_prefix(stack_path: str) -> str:
    """The first characters of every rule's name in a stack (``sessions-1a2b3c4d-``). Short, as a rule's name
    is 64 characters at most and the rest is a kind and a role's unique id; drawn from the stack's full name,
    so two stacks in one account differ. Not a secret (anyone may compute it), so it decides nothing alone:
    the topic's and the key's policies name each rule's ARN (``topic_policy``, ``notification_key_policy``)."""
    return f"sessions-{hashlib.sha256(stack_path.encode()).hexdigest()[:8]}-"


def rule_arn_pattern(account: AwsAccount, prefix: str) -> str:
    """What the ARN of every rule of this stack looks like: a rule on the default bus is ``rule/<name>``, one on
    a custom bus ``rule/<bus>/<name>`` (Service Authorization Reference, "Actions, resources, and condition keys
    for Amazon EventBridge", resource type rule), so this matches rules the stack did not register as well."""
    return account.arn("events", f"rule/{prefix}*")


def session_calls_pattern(
    account_id: str, issuer_ids: Sequence[pulumi.Input[str]], event_name: str, reason_given: bool | None = None
) -> dict[str, Any]:
    """The EventBridge pattern of one Systems Manager call made, with success, in this account, with the
    credentials of one of the roles whose unique ids are ``issuer_ids``.

    The role is matched in ``userIdentity.sessionContext.sessionIssuer.principalId``: for credentials obtained
    by assuming a role, ``sessionIssuer`` is that role, and its ``principalId`` the role's unique id (CloudTrail
    User Guide, "CloudTrail userIdentity element": "userIdentity with temporary security credentials", whose
    sessionIssuer is the role assumed to get them). A chained session's credentials come from assuming the
    session role, so it is the session role there too. The unique id, not the ARN: a role deleted and made again
    under the same name has the same ARN but a new id (IAM User Guide, "IAM identifiers", Unique identifiers).

    A call that failed (CloudTrail records it with an ``errorCode``: CloudTrail User Guide, "CloudTrail record
    contents") opened or ended nothing, so it is not matched: the message says what happened, and an attempt
    IAM refused is in CloudTrail, not a session. These calls are write management events (``readOnly`` false),
    which a rule in the ENABLED state receives (EventBridge User Guide, "Receiving read-only management events
    from AWS services": only read-only ones need ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS).
    """
    detail: dict[str, Any] = {
        "eventSource": ["ssm.amazonaws.com"],
        "eventName": [event_name],
        "userIdentity": {"sessionContext": {"sessionIssuer": {"principalId": list(issuer_ids)}}},
        "errorCode": [{"exists": False}],
    }
    if reason_given is not None:
        # "exists" matches on whether the field is in the event (EventBridge User Guide, "Exists matching").
        detail["requestParameters"] = {"reason": [{"exists": reason_given}]}
    return {"source": ["aws.ssm"], "detail-type": [CLOUDTRAIL_DETAIL_TYPE], "account": [account_id], "detail": detail}


def access_ends_text(party: str, expires: datetime | None) -> str:
    """When the party's access ends, as the message says it: an input transformer only copies values, so the
    time left cannot be computed when the event comes, and the message gives the end instead."""
    if expires is None:
        return f"{party}'s access has no end date."
    return f"{party}'s access ends {expires.strftime('%Y-%m-%d %H:%M')} UTC."


def party_message_template(call: SessionCall, party: str, expires: datetime | None) -> str:
    """The input template of a party's rule: one line, as a JSON string, so SNS mails it as text. The
    placeholders are ``<name>`` of ``MESSAGE_PATHS``; the rest is literal (EventBridge User Guide, "Amazon
    EventBridge input transformation"; EventBridge API Reference, InputTransformer: a string template, its
    quotes escaped with a backslash). The instance is its id: a transformer cannot map it to a name, which the
    stack's ``instances`` output gives."""
    text = f"<person> ({party}) {call.sentence} at <time> from <address>. {access_ends_text(party, expires)}{call.note}"
    return json.dumps(text)


SWEPT_MESSAGE_TEMPLATE = json.dumps(
    "The session sweeper ended session <requested_session> at <time>: its grant had ended. Why is in the sweeper's log."
)
"""The sweeper's TerminateSession calls (an expiry, a revocation, a person removed or an instance no longer
granted): the session id begins with the person's name (the role session name, bound to them); whose it was
and why the sweeper ended it are in the sweeper's log."""


def message_paths(template: str) -> dict[str, str]:
    """The paths of the placeholders ``template`` uses, and no other: every path a rule's transformer names is
    one its pattern makes sure the event has."""
    return {name: path for name, path in MESSAGE_PATHS.items() if f"<{name}>" in template}


def key_grant(
    sid: str, actions: str | list[str], principal: dict[str, Any], condition: dict[str, dict[str, Any]] | None = None
) -> Statement:
    """An Allow of a key policy, whose resource is the key itself ("*": AWS KMS Developer Guide, "Key policies")."""
    return statement(sid, "Allow", actions, principal=principal, resources="*", condition=condition)


def service_grant(
    sid: str,
    actions: str,
    service_principal: str,
    resources: pulumi.Input[str],
    condition: dict[str, dict[str, Any]],
) -> Statement:
    """An Allow of a resource policy to an AWS service, only where ``condition`` holds."""
    return statement(
        sid, "Allow", actions, principal={"Service": service_principal}, resources=resources, condition=condition
    )


def denied_to_all(
    sid: str, actions: str, resources: pulumi.Input[str] | list[pulumi.Input[str]], condition: dict[str, dict[str, Any]]
) -> Statement:
    """A Deny of a resource policy to every principal ("*") where ``condition`` holds."""
    return statement(sid, "Deny", actions, principal="*", resources=resources, condition=condition)


def notification_key_policy(
    *,
    account: AwsAccount,
    events_service_principal: str,
    rule_arns: Sequence[pulumi.Input[str]],
    topic_arn: str,
    cloudtrail_service_principal: str,
    trail_arn: str,
) -> dict[str, Any]:
    """The key of the topic and of the trail: the account administers it; EventBridge may use it only to publish
    for the stack's rules (``rule_arns``, each rule's ARN as it was registered) to the stack's topic; CloudTrail
    only to encrypt the stack's trail. A rule named like the stack's but not registered by it is not listed.

    EventBridge's statement is the SNS Developer Guide's ("Encryption at rest", "Enable compatibility between
    event sources from AWS services and encrypted topics": events.amazonaws.com, kms:GenerateDataKey* and
    kms:Decrypt, with aws:SourceArn and kms:EncryptionContext:aws:sns:topicArn). CloudTrail's are the CloudTrail
    User Guide's ("Configure AWS KMS key policies for CloudTrail": GenerateDataKey* for the trail, with
    aws:SourceArn and the kms:EncryptionContext:aws:cloudtrail:arn of this account's trails; DescribeKey; and
    decrypting the log files for the account's principals, here delegated to IAM through the account root)."""
    root = {"AWS": account_root_arn(account.partition, account.account_id)}
    eventbridge, cloudtrail = {"Service": events_service_principal}, {"Service": cloudtrail_service_principal}
    trails = {
        "kms:EncryptionContext:aws:cloudtrail:arn": f"arn:{account.partition}:cloudtrail:*:{account.account_id}:trail/*"
    }
    the_trail = {"aws:SourceArn": trail_arn}
    return policy_document(
        key_grant("AccountAdministersKey", KEY_ADMINISTRATION_ACTIONS, root),
        key_grant("AccountReadsTrailLogs", "kms:Decrypt", root, {"StringLike": trails}),
        key_grant(
            "EventBridgePublishesForTheStacksRules",
            ["kms:GenerateDataKey*", "kms:Decrypt"],
            eventbridge,
            {
                # Each ARN: about 100 characters, 201 at 50 parties, about 20 KB of the 32 KB a key policy may
                # hold (AWS KMS Developer Guide, "Quotas": key policy document size; tests/test_quotas.py).
                "ArnEquals": {"aws:SourceArn": list(rule_arns)},
                "StringEquals": {"kms:EncryptionContext:aws:sns:topicArn": topic_arn},
            },
        ),
        key_grant(
            "CloudTrailEncryptsTheTrail",
            "kms:GenerateDataKey*",
            cloudtrail,
            {"StringEquals": the_trail, "StringLike": trails},
        ),
        key_grant("CloudTrailDescribesTheKey", "kms:DescribeKey", cloudtrail, {"StringEquals": the_trail}),
    )


def topic_policy(
    *,
    topic_arn: pulumi.Input[str],
    account_id: str,
    events_service_principal: str,
    rules_arn: str,
    rule_arns: Sequence[pulumi.Input[str]],
    emails: Sequence[str],
) -> dict[str, Any]:
    """Only the stack's rules publish, and only to the configured addresses.

    Publishing: EventBridge may, for a rule of this account named like the stack's (EventBridge User Guide,
    "Using resource-based policies for Amazon EventBridge", Amazon SNS permissions: events.amazonaws.com,
    sns:Publish, and the rule as aws:SourceArn; its targets on SNS name no role, which that page warns breaks
    delivery to encrypted topics); and anyone, EventBridge included, is denied unless the request comes from one
    of ``rule_arns``, the rules the stack registered, named one by one. So a rule someone else creates with the
    stack's prefix (the prefix is public), or on a custom bus, may not publish, and no principal of the account
    may publish itself, whatever its own IAM policy allows (an explicit deny in a resource policy wins: IAM User
    Guide, "Policy evaluation logic"). A request without aws:SourceArn is denied too: a negated condition
    operator matches a missing key (IAM User Guide, "IAM JSON policy elements: Condition operators"). The list is
    in the Deny only, once: about 100 characters an ARN, 201 at 50 parties, about 20 KB of the 30 KB a topic
    policy may hold (SNS Developer Guide, "Amazon SNS API permissions: Actions and resources reference", Policy
    quotas; tests/test_quotas.py).

    Subscribing: denied to everyone unless the protocol is ``email`` and the endpoint one of ``emails``, as the
    request gives them in sns:Protocol and sns:Endpoint (the same page, service-specific keys). The policy grants
    Subscribe to no one, so only a principal of this account whose own IAM policy allows it may subscribe at all
    (a principal of another account needs the resource policy to allow it too: IAM User Guide, "Cross-account
    policy evaluation logic"), and only one of those addresses, which must confirm."""
    return policy_document(
        service_grant(
            "EventBridgePublishesForTheStacksRules",
            "sns:Publish",
            events_service_principal,
            topic_arn,
            {"ArnLike": {"aws:SourceArn": rules_arn}, "StringEquals": {"aws:SourceAccount": account_id}},
        ),
        denied_to_all(
            "NoPublisherButTheStacksRules",
            "sns:Publish",
            topic_arn,
            {"ArnNotEquals": {"aws:SourceArn": list(rule_arns)}},
        ),
        denied_to_all(
            "NoSubscriptionButByEmail", "sns:Subscribe", topic_arn, {"StringNotEquals": {"sns:Protocol": "email"}}
        ),
        denied_to_all(
            "NoSubscriptionButTheConfiguredAddresses",
            "sns:Subscribe",
            topic_arn,
            {"StringNotEquals": {"sns:Endpoint": list(emails)}},
        ),
    )


def trail_bucket_policy(
    *, bucket_arn: str, account: AwsAccount, cloudtrail_service_principal: str, trail_arn: str
) -> dict[str, Any]:
    """CloudTrail may check the bucket's ACL and write the trail's log files, for this trail only (CloudTrail
    User Guide, "Amazon S3 bucket policy for CloudTrail"); nothing reaches the bucket without TLS. Given the
    bucket's ARN resolved (it is in two resources of the policy)."""
    trail = {"aws:SourceArn": trail_arn}
    return policy_document(
        service_grant(
            "CloudTrailChecksTheAcl",
            "s3:GetBucketAcl",
            cloudtrail_service_principal,
            bucket_arn,
            {"StringEquals": trail},
        ),
        service_grant(
            "CloudTrailWritesTheTrail",
            "s3:PutObject",
            cloudtrail_service_principal,
            f"{bucket_arn}/AWSLogs/{account.account_id}/*",
            {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **trail}},
        ),
        denied_to_all(
            "OnlyOverTls", "s3:*", [bucket_arn, f"{bucket_arn}/*"], {"Bool": {"aws:SecureTransport": "false"}}
        ),
    )
