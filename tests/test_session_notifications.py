"""Session notifications: the rules a whole-stack run registers, matched and rendered by moto's EventBridge (its
rules, its pattern matching, its input transformer) on the CloudTrail StartSession event of
tests/fixtures/cloudtrail-start-session-event.json (its sources are in the file), made the call of this stack's
roles; the topic's and key's policies decided by the IAM engine; the config key and what it registers."""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.events.models import EventPattern

from components.iam_documents import iam_time
from harness.program_run import ProgramRun, RegisteredResource
from proof.iam_engine import Request, Simulation, evaluate
from tests.shared_runs import EXPIRES
from tests.stack_runs import FIXTURES, PARTY_A, PARTY_B, YOUR_ACCOUNT, run_yours
from tests.test_config_errors_stop_the_program import assert_stopped_cleanly

SAMPLE = json.loads((FIXTURES / "cloudtrail-start-session-event.json").read_text())["event"]
EMAILS = ["security@example.com", "Ops.Team+ssm@example.org"]
REGION = "eu-west-1"
OTHER_ACCOUNT = "999988887777"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
ADMINISTRATOR = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@pytest.fixture(scope="module")
def run() -> ProgramRun:
    party_a = {**PARTY_A, "expires": iam_time(EXPIRES)}
    return run_yours(thirdParties=[party_a, PARTY_B], notifications={"emails": EMAILS})


def component(run: ProgramRun) -> RegisteredResource:
    return run.one("third-party-ec2-access:session_notifications:SessionNotifications")


def children(run: ProgramRun, type_token: str) -> list[RegisteredResource]:
    return [r for r in run.children_of(component(run)) if r.type == type_token]


def role_of(run: ProgramRun, name: str) -> RegisteredResource:
    (role,) = [r for r in run.of_type("aws:iam/role:Role") if r.name == name]
    return role


def party_role(run: ProgramRun, party: str) -> RegisteredResource:
    suffix = party.replace("_", "")
    return role_of(run, f"session-access-SSMStartSession_IAM_Role_{suffix}")


def called_by(role: RegisteredResource, person: str, account: str = YOUR_ACCOUNT, **detail: Any) -> dict[str, Any]:
    """AWS's sample StartSession event, as a call this role's session made (its identity set as the CloudTrail
    userIdentity element shows an assumed role's), in ``account``, with ``detail`` changed."""
    event = copy.deepcopy(SAMPLE)
    event["account"] = account
    event["region"] = REGION
    identity = event["detail"]["userIdentity"]
    role_id, role_name = role.outputs["uniqueId"], role.outputs["name"]
    identity["principalId"] = f"{role_id}:{person}"
    identity["arn"] = f"arn:aws:sts::{account}:assumed-role/{role_name}/{person}"
    identity["accountId"] = account
    issuer = identity["sessionContext"]["sessionIssuer"]
    issuer.update(principalId=role_id, arn=f"arn:aws:iam::{account}:role/{role_name}", accountId=account)
    issuer["userName"] = role_name
    identity["sessionContext"]["sourceIdentity"] = person
    # A session's id is its caller's role session name and a suffix (SSM API Reference, DescribeSessions).
    response = event["detail"]["responseElements"]
    for field in ("sessionId", "streamUrl"):
        response[field] = response[field].replace("MySessionName", person)
    event["detail"].update(awsRegion=REGION, recipientAccountId=account, **detail)
    return event


def ended(event: dict[str, Any], event_name: str = "TerminateSession", session_id: str | None = None) -> dict[str, Any]:
    """The same caller's TerminateSession (or ResumeSession) of the session it started, or of ``session_id``:
    the request and response take the session id only (SSM API Reference, TerminateSession and ResumeSession:
    SessionId)."""
    session_id = session_id or event["detail"]["responseElements"]["sessionId"]
    changed = copy.deepcopy(event)
    response = {"sessionId": session_id}
    if event_name == "ResumeSession":
        response |= {"tokenValue": "Value hidden due to security reasons.", "streamUrl": "wss://example"}
    changed["detail"].update(
        eventName=event_name, requestParameters={"sessionId": session_id}, responseElements=response
    )
    return changed


def without_reason(event: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(event)
    del changed["detail"]["requestParameters"]["reason"]
    return changed


def matching_rules(run: ProgramRun, event: dict[str, Any]) -> list[str]:
    """The names of the stack's rules whose pattern moto's EventBridge matches against ``event``."""
    return sorted(
        rule.inputs["name"]
        for rule in children(run, RULE)
        if EventPattern.load(rule.inputs["eventPattern"]).matches_event(event)
    )


def rule_name(run: ProgramRun, role: RegisteredResource, kind: str) -> str:
    (name,) = [
        r.inputs["name"]
        for r in children(run, RULE)
        if r.inputs["name"].endswith(f"-{kind}-{role.outputs['uniqueId']}")
    ]
    return name


# -- the patterns, as EventBridge matches them -------------------------------------------------------------


def test_a_session_roles_start_with_a_reason_matches_its_partys_rule_alone(run):
    role = party_role(run, "Third_Party_A")
    assert matching_rules(run, called_by(role, "alice")) == [rule_name(run, role, "start-reason")]
    assert matching_rules(run, without_reason(called_by(role, "alice"))) == [rule_name(run, role, "start")]


def test_resume_and_end_match_their_rules(run):
    role = party_role(run, "Third_Party_B")
    start = called_by(role, "bob")
    assert matching_rules(run, ended(start)) == [rule_name(run, role, "end")]
    assert matching_rules(run, ended(start, "ResumeSession")) == [rule_name(run, role, "resume")]


def test_the_sweepers_terminations_match_its_rule(run):
    sweeper = role_of(run, "session-sweeper-role")
    terminated = ended(called_by(sweeper, "session-sweeper-function-abc1234"))
    assert matching_rules(run, terminated) == [rule_name(run, sweeper, "swept")]
    # It starts no session; nor is its StartSession told of, were it to make one.
    assert matching_rules(run, called_by(sweeper, "session-sweeper-function-abc1234")) == []


def test_another_role_of_the_account_matches_nothing(run):
    instance_role = role_of(run, "fleet-instance-role")
    assert matching_rules(run, called_by(instance_role, "i-1234567890abcdef0")) == []
    # AWS's sample as published: the docs' role, which this stack does not have.
    assert matching_rules(run, SAMPLE) == []


def test_another_accounts_event_matches_nothing_even_with_the_roles_id(run):
    role = party_role(run, "Third_Party_A")
    assert matching_rules(run, called_by(role, "alice", account=OTHER_ACCOUNT)) == []


@pytest.mark.parametrize("event_name", ["GetConnectionStatus", "DescribeSessions", "SendCommand"])
def test_other_systems_manager_calls_match_nothing(run, event_name):
    role = party_role(run, "Third_Party_A")
    assert matching_rules(run, called_by(role, "alice", eventName=event_name)) == []


def test_a_failed_call_matches_nothing(run):
    """CloudTrail records a refused StartSession with errorCode and errorMessage and no session (CloudTrail User
    Guide, "CloudTrail record contents"): no session started, so no "started session" email."""
    role = party_role(run, "Third_Party_A")
    refused = called_by(
        role,
        "alice",
        errorCode="AccessDenied",
        errorMessage="User is not authorized to perform: ssm:StartSession",
        responseElements=None,
    )
    assert matching_rules(run, refused) == []
    failed_end = ended(called_by(role, "alice"))
    failed_end["detail"] |= {"errorCode": "InvalidParameterException", "errorMessage": "no such session"}
    assert matching_rules(run, failed_end) == []


# -- the message, as moto's EventBridge renders and delivers it ---------------------------------------------


def delivered(run: ProgramRun, events: list[dict[str, Any]], monkeypatch) -> list[str]:
    """The messages moto's EventBridge sends for ``events``, put one by one on your account's default bus, with
    every rule and target the stack registered (pattern, input transformer) put as they are. The targets go to
    an SQS queue in place of the topic (moto's rules deliver to SQS, not SNS): what is sent is the same text."""
    monkeypatch.setenv("MOTO_ACCOUNT_ID", YOUR_ACCOUNT)
    messages = []
    with mock_aws():
        events_client = boto3.client("events", REGION)
        sqs = boto3.client("sqs", REGION)
        queue = sqs.create_queue(QueueName="emails")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        rules = {r.inputs["name"]: r for r in children(run, RULE)}
        for target in children(run, TARGET):
            rule = rules[target.inputs["rule"]]
            events_client.put_rule(Name=rule.inputs["name"], EventPattern=rule.inputs["eventPattern"])
            transformer = target.inputs["inputTransformer"]
            events_client.put_targets(
                Rule=rule.inputs["name"],
                Targets=[
                    {
                        "Id": "email",
                        "Arn": queue_arn,
                        "InputTransformer": {
                            "InputPathsMap": transformer["inputPaths"],
                            "InputTemplate": transformer["inputTemplate"],
                        },
                    }
                ],
            )
        for event in events:
            assert event["account"] == YOUR_ACCOUNT  # PutEvents gives the caller's account
            entry = {
                "Source": event["source"],
                "DetailType": event["detail-type"],
                "Detail": json.dumps(event["detail"]),
            }
            assert events_client.put_events(Entries=[entry])["FailedEntryCount"] == 0
            received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
            for message in received:
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
            messages += [json.loads(m["Body"]) for m in received]
    return messages


def test_the_sample_start_becomes_one_line_with_who_party_instance_when_reason_and_end(run, monkeypatch):
    start = called_by(party_role(run, "Third_Party_A"), "alice")
    assert delivered(run, [start], monkeypatch) == [
        "alice (Third_Party_A) started session alice-0a1b2c3d4e5f67890 on instance i-1234567890abcdef0 "
        "at 2026-03-10T09:15:02Z from 203.0.113.10. Third_Party_A's access ends 2031-01-02 03:04 UTC. "
        'Reason given by alice: "INC-4711: the web server does not start"'
    ]


IMITATION = (
    "INC-1. alice (Third_Party_A) ended session alice-0a1b2c3d4e5f67890 at 2026-03-10T09:20:00Z from "
    "203.0.113.10. Third_Party_A's access ends 2031-01-02 03:04 UTC. No further action."
)
"""A reason (any 1 to 256 characters but a line break: SSM API Reference, StartSession, Reason, pattern
``^.{1,256}$``) written to read as another message: that the session already ended."""


def test_a_reason_that_imitates_another_message_comes_last_fenced_as_the_persons_words(run, monkeypatch):
    start = called_by(party_role(run, "Third_Party_A"), "alice")
    start["detail"]["requestParameters"]["reason"] = IMITATION
    (message,) = delivered(run, [start], monkeypatch)
    told = (
        "alice (Third_Party_A) started session alice-0a1b2c3d4e5f67890 on instance i-1234567890abcdef0 "
        "at 2026-03-10T09:15:02Z from 203.0.113.10. Third_Party_A's access ends 2031-01-02 03:04 UTC."
    )
    # What the stack says comes first, whole; the person's words last, fenced and marked as theirs.
    assert message == f'{told} Reason given by alice: "{IMITATION}"'
    assert message.index(IMITATION) > message.index("Reason given by alice: ") > message.index(told)


def test_each_call_of_a_session_is_told_once(run, monkeypatch):
    start = called_by(party_role(run, "Third_Party_B"), "bob")
    session = "bob-0a1b2c3d4e5f67890"
    sweeper = called_by(role_of(run, "session-sweeper-role"), "session-sweeper-function-abc1234")
    swept = ended(sweeper, session_id=session)
    assert delivered(run, [without_reason(start), ended(start, "ResumeSession"), ended(start), swept], monkeypatch) == [
        f"bob (Third_Party_B) started session {session} on instance i-1234567890abcdef0 at 2026-03-10T09:15:02Z "
        "from 203.0.113.10. Third_Party_B's access has no end date. No reason given.",
        f"bob (Third_Party_B) resumed session {session} at 2026-03-10T09:15:02Z from 203.0.113.10. "
        "Third_Party_B's access has no end date.",
        f"bob (Third_Party_B) ended session {session} at 2026-03-10T09:15:02Z from 203.0.113.10. "
        "Third_Party_B's access has no end date.",
        f"The session sweeper ended session {session} at 2026-03-10T09:15:02Z: its grant had ended. "
        "Why is in the sweeper's log.",
    ]


def test_calls_that_are_not_a_partys_session_send_nothing(run, monkeypatch):
    role = party_role(run, "Third_Party_A")
    refused = called_by(role, "alice", errorCode="AccessDenied", errorMessage="not authorized")
    others = [called_by(role_of(run, "fleet-instance-role"), "i-1234567890abcdef0"), refused]
    assert delivered(run, [*others, called_by(role, "alice", eventName="GetConnectionStatus")], monkeypatch) == []


# -- who may publish, and use the key -----------------------------------------------------------------------


def topic_and_policies(run: ProgramRun) -> tuple[str, dict[str, Any], dict[str, Any]]:
    (topic,) = children(run, "aws:sns/topic:Topic")
    (policy,) = children(run, "aws:sns/topicPolicy:TopicPolicy")
    (key,) = children(run, "aws:kms/key:Key")
    assert topic.inputs["kmsMasterKeyId"] == key.outputs["arn"]
    assert policy.inputs["arn"] == topic.outputs["arn"]
    return topic.outputs["arn"], policy.json_input("policy"), key.json_input("policy")


def rule_arn(run: ProgramRun, name: str, account: str = YOUR_ACCOUNT) -> str:
    return f"arn:aws:events:{REGION}:{account}:rule/{name}"


def forged_sources(run: ProgramRun) -> list[str]:
    """Rule ARNs that are not the stack's rules, though they look like them: a rule named with the stack's
    prefix but not registered by it (anyone with events:PutRule in your account may create one, and the prefix
    is drawn from the stack's public name), a rule on a custom bus named with the prefix, the stack's own rule
    name on a custom bus (a rule ARN is ``rule/[bus-name/]rule-name``: Service Authorization Reference,
    "Actions, resources, and condition keys for Amazon EventBridge", resource type rule), another rule of the
    account, and the stack's rule name in another account."""
    ours = rule_name(run, party_role(run, "Third_Party_A"), "start")
    prefix = ours[: ours.index("-start-") + 1]
    return [
        rule_arn(run, f"{prefix}forged"),
        rule_arn(run, f"{prefix}bus/anything"),
        rule_arn(run, f"custom-bus/{ours}"),
        rule_arn(run, "someone-elses-rule"),
        rule_arn(run, ours, OTHER_ACCOUNT),
    ]


def test_only_the_stacks_rules_may_publish_to_the_topic(run):
    topic, policy, _ = topic_and_policies(run)
    ours = [rule_arn(run, r.inputs["name"]) for r in children(run, RULE)]
    assert len(ours) == 9
    by_eventbridge = [{"aws:SourceArn": source, "aws:SourceAccount": YOUR_ACCOUNT} for source in ours]
    by_eventbridge += [
        {"aws:SourceArn": source, "aws:SourceAccount": source.split(":")[4]} for source in forged_sources(run)
    ]
    by_eventbridge.append({})
    simulations = [
        Simulation(Request("events.amazonaws.com", "sns:Publish", topic, YOUR_ACCOUNT, context), [], policy)
        for context in by_eventbridge
    ]
    # An administrator of your account, whose own policy allows everything, still may not publish.
    administrator = f"arn:aws:sts::{YOUR_ACCOUNT}:assumed-role/Administrator/admin"
    simulations.append(Simulation(Request(administrator, "sns:Publish", topic, YOUR_ACCOUNT), [ADMINISTRATOR], policy))
    assert evaluate(simulations) == ["Allowed"] * 9 + ["ExplicitlyDenied"] * 7


def test_only_the_configured_addresses_may_be_subscribed(run):
    """SNS gives a Subscribe request's protocol and endpoint as sns:Protocol and sns:Endpoint (SNS Developer
    Guide, "Amazon SNS API permissions: Actions and resources reference", service-specific keys)."""
    topic, policy, _ = topic_and_policies(run)
    administrator = f"arn:aws:sts::{YOUR_ACCOUNT}:assumed-role/Administrator/admin"
    theirs = f"arn:aws:sts::{OTHER_ACCOUNT}:assumed-role/Administrator/admin"
    requests = [
        (administrator, YOUR_ACCOUNT, "email", EMAILS[0]),
        (administrator, YOUR_ACCOUNT, "email", EMAILS[1]),
        (administrator, YOUR_ACCOUNT, "email", "mallory@example.net"),
        (administrator, YOUR_ACCOUNT, "email-json", EMAILS[0]),
        (administrator, YOUR_ACCOUNT, "https", "https://collector.example.net/"),
        (administrator, YOUR_ACCOUNT, "sqs", f"arn:aws:sqs:{REGION}:{YOUR_ACCOUNT}:copies"),
        # Another account's administrator, even for a configured address: the policy grants it nothing.
        (theirs, OTHER_ACCOUNT, "email", EMAILS[0]),
    ]
    simulations = [
        Simulation(
            Request(principal, "sns:Subscribe", topic, YOUR_ACCOUNT, {"sns:Protocol": protocol, "sns:Endpoint": e}),
            [ADMINISTRATOR],
            policy,
        )
        for principal, _, protocol, e in requests
    ]
    assert evaluate(simulations) == ["Allowed", "Allowed"] + ["ExplicitlyDenied"] * 4 + ["ImplicitlyDenied"]


def engine_key_policy(policy: dict[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The key policy as the IAM engine can evaluate it, and what it leaves out: the engine reads a condition key
    with a variable part only where the variable follows a ``/`` (@cloud-copilot/iam-simulate,
    context_keys/contextKeys.js replaceVariableInContextKey), so it cannot tell ``kms:EncryptionContext:<key>``
    keys apart. Those conditions are taken out, by statement, for the test to hold on their exact text; the
    engine decides the rest (principal, action, aws:SourceArn)."""
    policy = copy.deepcopy(policy)
    taken: dict[str, dict[str, Any]] = {}
    for statement in policy["Statement"]:
        for operator, keys in list(statement.get("Condition", {}).items()):
            for key in [k for k in keys if k.startswith("kms:EncryptionContext:")]:
                taken.setdefault(statement["Sid"], {})[key] = (operator, keys.pop(key))
            if not keys:
                del statement["Condition"][operator]
    return policy, taken


def test_eventbridge_may_use_the_key_only_for_the_stacks_rules_and_its_topic(run):
    topic, _, key_policy = topic_and_policies(run)
    (key,) = children(run, "aws:kms/key:Key")
    evaluable, taken = engine_key_policy(key_policy)
    assert taken["EventBridgePublishesForTheStacksRules"] == {
        "kms:EncryptionContext:aws:sns:topicArn": ("StringEquals", topic)
    }
    ours = [rule_arn(run, r.inputs["name"]) for r in children(run, RULE)]
    forged = forged_sources(run)
    simulations = [
        Simulation(
            Request("events.amazonaws.com", action, key.outputs["arn"], YOUR_ACCOUNT, {"aws:SourceArn": source}),
            [],
            evaluable,
        )
        for source in [*ours, *forged]
        for action in ("kms:GenerateDataKey", "kms:Decrypt")
    ]
    assert evaluate(simulations) == ["Allowed"] * 2 * len(ours) + ["ImplicitlyDenied"] * 2 * len(forged)


def test_cloudtrail_may_encrypt_only_the_stacks_trail(run):
    _, _, key_policy = topic_and_policies(run)
    (key,) = children(run, "aws:kms/key:Key")
    (trail,) = children(run, "aws:cloudtrail/trail:Trail")
    assert trail.inputs["kmsKeyId"] == key.outputs["arn"]
    evaluable, taken = engine_key_policy(key_policy)
    this_accounts_trails = f"arn:aws:cloudtrail:*:{YOUR_ACCOUNT}:trail/*"
    assert taken["CloudTrailEncryptsTheTrail"] == {
        "kms:EncryptionContext:aws:cloudtrail:arn": ("StringLike", this_accounts_trails)
    }
    assert taken["AccountReadsTrailLogs"] == {
        "kms:EncryptionContext:aws:cloudtrail:arn": ("StringLike", this_accounts_trails)
    }
    other = f"arn:aws:cloudtrail:{REGION}:{OTHER_ACCOUNT}:trail/theirs"
    simulations = [
        Simulation(
            Request("cloudtrail.amazonaws.com", action, key.outputs["arn"], YOUR_ACCOUNT, {"aws:SourceArn": source}),
            [],
            evaluable,
        )
        for source in (trail.outputs["arn"], other)
        for action in ("kms:GenerateDataKey", "kms:DescribeKey", "kms:Decrypt")
    ]
    assert evaluate(simulations) == ["Allowed", "Allowed", "ImplicitlyDenied"] + ["ImplicitlyDenied"] * 3


def test_cloudtrail_may_write_only_the_stacks_trail_into_its_bucket(run):
    (bucket,) = children(run, "aws:s3/bucket:Bucket")
    (policy,) = children(run, "aws:s3/bucketPolicy:BucketPolicy")
    (trail,) = children(run, "aws:cloudtrail/trail:Trail")
    assert trail.inputs["s3BucketName"] == bucket.outputs["bucket"] == policy.inputs["bucket"]
    log_file = f"{bucket.outputs['arn']}/AWSLogs/{YOUR_ACCOUNT}/CloudTrail/{REGION}/2026/03/10/x.json.gz"
    write = {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SecureTransport": "true"}
    simulations = [
        Simulation(
            Request("cloudtrail.amazonaws.com", "s3:PutObject", log_file, YOUR_ACCOUNT, write | {"aws:SourceArn": s}),
            [],
            policy.json_input("policy"),
        )
        for s in (trail.outputs["arn"], f"arn:aws:cloudtrail:{REGION}:{OTHER_ACCOUNT}:trail/theirs")
    ]
    assert evaluate(simulations) == ["Allowed", "ImplicitlyDenied"]


# -- what is registered ---------------------------------------------------------------------------------------


def test_with_emails_every_part_is_registered(run):
    subscriptions = children(run, "aws:sns/topicSubscription:TopicSubscription")
    (topic,) = children(run, "aws:sns/topic:Topic")
    assert sorted((s.inputs["protocol"], s.inputs["endpoint"], s.inputs["topic"]) for s in subscriptions) == sorted(
        ("email", e, topic.outputs["arn"]) for e in EMAILS
    )
    # Each waits for the topic's policy, which denies subscribing an address it does not list.
    (access_policy,) = children(run, "aws:sns/topicPolicy:TopicPolicy")
    assert all(access_policy.urn in s.dependencies for s in subscriptions)
    rules = children(run, RULE)
    assert len(rules) == 2 * 4 + 1  # four kinds of call per party, and the sweeper's terminations
    assert all(len(r.inputs["name"]) <= 64 for r in rules)
    targets = children(run, TARGET)
    assert sorted(t.inputs["rule"] for t in targets) == sorted(r.inputs["name"] for r in rules)
    assert {t.inputs["arn"] for t in targets} == {topic.outputs["arn"]}
    assert all("roleArn" not in t.inputs for t in targets)  # the topic's policy lets EventBridge publish

    (trail,) = children(run, "aws:cloudtrail/trail:Trail")
    assert trail.inputs["eventSelectors"] == [{"includeManagementEvents": True, "readWriteType": "WriteOnly"}]
    assert trail.inputs["enableLogFileValidation"] is True
    (retention,) = children(run, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    assert retention.inputs["rules"][0]["expiration"] == {"days": 365}
    assert retention.inputs["rules"][0]["status"] == "Enabled"
    (private,) = children(run, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert all(private.inputs[k] for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls"))
    (bucket,) = children(run, "aws:s3/bucket:Bucket")
    (key,) = children(run, "aws:kms/key:Key")
    assert bucket.retain_on_delete
    assert key.retain_on_delete
    assert key.inputs["enableKeyRotation"] is True


def test_without_emails_nothing_is_registered(yours_run):
    notification_types = {
        "third-party-ec2-access:session_notifications:SessionNotifications",
        RULE,
        TARGET,
        "aws:sns/topic:Topic",
        "aws:cloudtrail/trail:Trail",
        "aws:s3/bucket:Bucket",
    }
    assert not [r.name for r in yours_run.resources if r.type in notification_types]
    assert not [i for i in yours_run.invokes if i.args.get("serviceName") in ("events", "cloudtrail")]


@pytest.mark.parametrize(
    ("value", "key", "expectation"),
    [
        ({"emails": ["security@example.com", "not an address"]}, "notifications.emails[1]", "email address"),
        ({"emails": ["a@example.com", 7]}, "notifications.emails[1]", "email address"),
        ({"emails": ["a@example", "b@example.com"]}, "notifications.emails[0]", "email address"),
        ({"emails": ["a@example.com", "A@Example.com"]}, "notifications.emails[1]", "listed twice"),
        ({"emails": "security@example.com"}, "notifications.emails", "list of email addresses"),
        ({"email": ["security@example.com"]}, "notifications.email", "unknown key"),
        (["security@example.com"], "notifications", "object with keys emails"),
    ],
)
def test_a_bad_notifications_value_stops_before_any_resource(value, key, expectation):
    assert_stopped_cleanly(run_yours(notifications=value, expect_error=True), key, expectation)


# The policies' size at the scale the product claims (50 parties: 201 rules, each named in the topic's and the
# key's policies) is held by tests/test_quotas.py, on its run of 50 parties and 500 instances.
