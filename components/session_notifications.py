"""SessionNotifications: an email to whoever grants the access each time a party's session starts, resumes or
ends, and each time the sweeper ends one."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import pulumi
import pulumi_aws as aws

from components.arns import AwsAccount
from components.contract import PROJECT
from components.encrypted_log_group import KEY_DELETION_WINDOW_DAYS
from components.session_notifications_policies import (
    PARTY_CALLS,
    SWEPT_MESSAGE_TEMPLATE,
    message_paths,
    notification_key_policy,
    party_message_template,
    rule_arn_pattern,
    rule_name_prefix,
    session_calls_pattern,
    topic_policy,
    trail_bucket_policy,
)


@dataclass(frozen=True)
class NotifiedParty:
    """A party whose session role's calls are told of."""

    party: str
    role_name: str
    """Its session role's name (names its rules' resources)."""
    role_id: pulumi.Input[str]
    """The role's unique id, as CloudTrail gives the role that issued the caller's credentials."""
    expires: datetime | None
    """When its access ends, which each message says."""


@dataclass
class SessionNotificationsArgs:
    emails: Sequence[str]
    """Who is told: one email subscription each."""
    parties: Sequence[NotifiedParty]
    sweeper_role_id: pulumi.Input[str]
    """The unique id of the session sweeper's role, whose TerminateSession calls are told of too."""
    stack_path: str
    """The stack's full name (``organization/project/stack``): its rules' names begin with a prefix drawn from
    it."""
    topic_name: str
    """The SNS topic's name: the key policy names the topic before it exists."""
    trail_name: str
    """The trail's name, for the same reason (the key's and the bucket's policies name it)."""
    trail_retention_days: int
    """How long the trail's log files are kept."""
    account: AwsAccount
    events_service_principal: str
    cloudtrail_service_principal: str


class SessionNotifications(pulumi.ComponentResource):
    """Per party and kind of call an EventBridge rule on the calls of its session role, and one on the
    sweeper's terminations, each publishing one line to an SNS topic that only they may publish to, encrypted
    with a key of its own, with an email subscription per address; and the trail these events need.

    The trail: the EventBridge User Guide says that to receive events whose detail-type is one of CloudTrail's
    (``AWS API Call via CloudTrail``), "you must enable a CloudTrail trail with logging" ("AWS service events
    delivered via AWS CloudTrail"). So this stack keeps one: this region's write management events (StartSession's
    records say ``readOnly`` false; ResumeSession and TerminateSession, which change a session too, are taken to
    be writes as well, which no record here shows), encrypted with the
    topic's key, in a private bucket that keeps them for ``trail_retention_days``. The first copy of management
    events is free of CloudTrail charges; a second one (the account already has a trail) is charged (CloudTrail
    User Guide, "Working with CloudTrail trails"; AWS CloudTrail Pricing)."""

    topic: aws.sns.Topic
    trail: aws.cloudtrail.Trail

    def __init__(self, name: str, args: SessionNotificationsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(f"{PROJECT}:session_notifications:SessionNotifications", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        account = args.account
        topic_arn = account.arn("sns", args.topic_name)
        trail_arn = account.arn("cloudtrail", f"trail/{args.trail_name}")
        prefix = rule_name_prefix(args.stack_path)

        # (its resource name, the rule, its message) for every kind of call of every party, then the sweeper's.
        told: list[tuple[str, aws.cloudwatch.EventRule, str]] = []

        def tell(
            kind: str,
            role_id: pulumi.Input[str],
            event_name: str,
            reason_given: bool | None,
            whose: str,
            template: str,
            logical: str,
        ) -> None:
            rule = aws.cloudwatch.EventRule(
                logical,
                # The role's unique id keeps the name unique and within 64 characters.
                name=pulumi.Output.concat(prefix, kind, "-", role_id),
                description=f"{event_name} by {whose}, told by email",
                event_pattern=pulumi.Output.json_dumps(
                    session_calls_pattern(account.account_id, [role_id], event_name, reason_given)
                ),
                opts=child,
            )
            told.append((logical, rule, template))

        for party in args.parties:
            for call in PARTY_CALLS:
                tell(
                    call.kind,
                    party.role_id,
                    call.event_name,
                    call.reason_given,
                    f"{party.party}'s session role",
                    party_message_template(call, party.party, party.expires),
                    f"{name}-{party.role_name}-{call.kind}",
                )
        tell(
            "swept",
            args.sweeper_role_id,
            "TerminateSession",
            None,
            "the session sweeper",
            SWEPT_MESSAGE_TEMPLATE,
            f"{name}-swept",
        )
        rules_arn = rule_arn_pattern(account, prefix)
        # The ARN of each rule registered: the key and the topic let EventBridge publish for these and no other.
        rule_arns = [rule.arn for _, rule, _ in told]
        # Compact: the policies list every rule's ARN, and their size is limited (see ``topic_policy``).
        compact = (",", ":")

        key = aws.kms.Key(
            f"{name}-key",
            description=f"Encrypts the session notifications of {args.topic_name} and the trail {args.trail_name}",
            enable_key_rotation=True,
            deletion_window_in_days=KEY_DELETION_WINDOW_DAYS,
            policy=pulumi.Output.json_dumps(
                notification_key_policy(
                    account=account,
                    events_service_principal=args.events_service_principal,
                    rule_arns=rule_arns,
                    topic_arn=topic_arn,
                    cloudtrail_service_principal=args.cloudtrail_service_principal,
                    trail_arn=trail_arn,
                ),
                separators=compact,
            ),
            # The trail's log files are part of the audit record, and cannot be read without it.
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
        )
        self.topic = aws.sns.Topic(f"{name}-topic", name=args.topic_name, kms_master_key_id=key.arn, opts=child)
        access_policy = aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=self.topic.arn,
            policy=pulumi.Output.json_dumps(
                topic_policy(
                    topic_arn=self.topic.arn,
                    account_id=account.account_id,
                    events_service_principal=args.events_service_principal,
                    rules_arn=rules_arn,
                    rule_arns=rule_arns,
                    emails=args.emails,
                ),
                separators=compact,
            ),
            opts=child,
        )
        for logical, rule, template in told:
            aws.cloudwatch.EventTarget(
                f"{logical}-email",
                rule=rule.name,
                arn=self.topic.arn,
                input_transformer={"input_paths": message_paths(template), "input_template": template},
                opts=child,
            )
        for email in args.emails:
            # After the policy: it denies subscribing an address it does not list, so a new address waits for it.
            aws.sns.TopicSubscription(
                f"{name}-{email.lower()}",
                topic=self.topic.arn,
                protocol="email",
                endpoint=email,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[access_policy]),
            )

        self.trail = self._trail(name, args, key, trail_arn)
        self.register_outputs({"topicArn": self.topic.arn, "trailArn": self.trail.arn})

    def _trail(
        self, name: str, args: SessionNotificationsArgs, key: aws.kms.Key, trail_arn: str
    ) -> aws.cloudtrail.Trail:
        kept = pulumi.ResourceOptions(parent=self, retain_on_delete=True)
        child = pulumi.ResourceOptions(parent=self)
        bucket = aws.s3.Bucket(f"{name}-trail-bucket", opts=kept)
        aws.s3.BucketPublicAccessBlock(
            f"{name}-trail-bucket-private",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-trail-bucket-retention",
            bucket=bucket.id,
            rules=[
                {
                    "id": "expire-trail-log-files",
                    "status": "Enabled",
                    "filter": {},
                    "expiration": {"days": args.trail_retention_days},
                }
            ],
            opts=child,
        )
        policy = aws.s3.BucketPolicy(
            f"{name}-trail-bucket-policy",
            bucket=bucket.id,
            policy=bucket.arn.apply(
                lambda bucket_arn: json.dumps(
                    trail_bucket_policy(
                        bucket_arn=bucket_arn,
                        account=args.account,
                        cloudtrail_service_principal=args.cloudtrail_service_principal,
                        trail_arn=trail_arn,
                    )
                )
            ),
            opts=child,
        )
        return aws.cloudtrail.Trail(
            f"{name}-trail",
            name=args.trail_name,
            s3_bucket_name=bucket.bucket,
            kms_key_id=key.arn,
            enable_log_file_validation=True,
            # The sessions are in this region; global services' events (IAM, STS) are no session's.
            is_multi_region_trail=False,
            include_global_service_events=False,
            event_selectors=[{"read_write_type": "WriteOnly", "include_management_events": True}],
            # CreateTrail fails while the bucket policy does not let CloudTrail write (CloudTrail API Reference,
            # CreateTrail: InsufficientS3BucketPolicyException).
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
