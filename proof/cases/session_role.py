"""The group "session role": what a party's session role may do in your account."""

from __future__ import annotations

from components.arns import arn, iam_role_arn, instance_arn, ssm_document_arn
from proof.cases.case import Case
from proof.cases.references import ABAC, DATA_CHANNEL, DOCUMENT_CHECK, EXPLICIT_DENY, NOT_GRANTED, OWN_SESSIONS
from proof.cases.world import ALICES_SESSION_ID, OUTSIDER, REGION, YOUR_ACCOUNT, YOURS, Names, in_yours, without
from proof.iam_engine import Request


def cases(n: Names) -> list[Case]:
    alice_session, bob_session_a = n.session("A", "alice"), n.session("A", "bob")
    bob_session_b = n.session("B", "bob")
    # Party B's bob's session: his session name, party B's role id in its tag.
    someone_elses = {**n.in_session, "ssm:resourceTag/aws:ssmmessages:session-id": n.userid("B", "bob")}
    own = {**n.in_session, "ssm:resourceTag/aws:ssmmessages:session-id": n.alice_userid}
    bob_on_alices = {**own, "aws:userid": n.userid("A", "bob"), "aws:SourceIdentity": "bob"}
    elsewhere = [("another region", "us-east-1", YOUR_ACCOUNT), ("another account", REGION, OUTSIDER)]
    return [
        Case(
            "a session on the instance tagged for her party",
            in_yours(alice_session, "ssm:StartSession", n.instance_a, n.on_a),
            "Allowed",
            "the instance's ABAC tag names her party, and the document check is on",
            ABAC,
        ),
        Case(
            "a session through the managed document",
            in_yours(alice_session, "ssm:StartSession", n.document, n.in_session),
            "Allowed",
            "with the document check on, the session document is authorized as a resource of its own",
            DOCUMENT_CHECK,
        ),
        Case(
            "a session on an instance tagged for another party",
            in_yours(alice_session, "ssm:StartSession", n.instance_b, {**n.on_a, n.tag: "Third_Party_B"}),
            "ImplicitlyDenied",
            "the tag must name her own party",
            ABAC,
        ),
        Case(
            "a session on an untagged instance",
            in_yours(
                alice_session,
                "ssm:StartSession",
                instance_arn(YOURS, "i-0ffffffffffffffff"),
                without(n.on_a, n.tag),
            ),
            "ImplicitlyDenied",
            "no tag, no grant",
            ABAC,
        ),
        Case(
            "a session without the document access check (the account's default document)",
            in_yours(
                alice_session, "ssm:StartSession", n.instance_a, {**n.on_a, "ssm:SessionDocumentAccessCheck": "false"}
            ),
            "ImplicitlyDenied",
            "without the check Session Manager would use the account-wide default document's preferences",
            DOCUMENT_CHECK,
        ),
        Case(
            "a session through AWS-StartPortForwardingSession",
            # AWS writes its own documents' ARN without an account; the engine checks ARNs against the
            # Service Authorization Reference, whose pattern has one. The deny is a NotResource, so both
            # forms meet the same decision.
            in_yours(
                alice_session,
                "ssm:StartSession",
                ssm_document_arn(YOURS, "AWS-StartPortForwardingSession"),
                n.in_session,
            ),
            "ExplicitlyDenied",
            "every document but the managed one is denied: no port forwarding past the recorded shell",
            EXPLICIT_DENY,
        ),
        Case(
            "a session through the account-wide SSM-SessionManagerRunShell",
            in_yours(
                alice_session, "ssm:StartSession", ssm_document_arn(YOURS, "SSM-SessionManagerRunShell"), n.in_session
            ),
            "ExplicitlyDenied",
            "the account's default preferences may not log or run as her user",
            EXPLICIT_DENY,
        ),
        Case(
            "ending her own session",
            in_yours(alice_session, "ssm:TerminateSession", n.own_session, own),
            "Allowed",
            "a session's session-id tag is its starter's aws:userid",
            OWN_SESSIONS,
        ),
        Case(
            "ending someone else's session",
            in_yours(alice_session, "ssm:TerminateSession", n.bobs_session, someone_elses),
            "ImplicitlyDenied",
            "only sessions whose tag is her own user id",
            OWN_SESSIONS,
        ),
        Case(
            "resuming her own session",
            in_yours(alice_session, "ssm:ResumeSession", n.own_session, own),
            "Allowed",
            "a session's session-id tag is its starter's aws:userid",
            OWN_SESSIONS,
        ),
        Case(
            "resuming someone else's session",
            in_yours(alice_session, "ssm:ResumeSession", n.bobs_session, someone_elses),
            "ImplicitlyDenied",
            "resuming another's session would take it over",
            OWN_SESSIONS,
        ),
        Case(
            "bob of her own party resumes alice's session",
            in_yours(bob_session_a, "ssm:ResumeSession", n.own_session, bob_on_alices),
            "ImplicitlyDenied",
            "bob's user id differs from alice's because his session name is bound to him",
            OWN_SESSIONS,
        ),
        Case(
            "bob of her own party ends alice's session",
            in_yours(bob_session_a, "ssm:TerminateSession", n.own_session, bob_on_alices),
            "ImplicitlyDenied",
            "bob's user id differs from alice's because his session name is bound to him",
            OWN_SESSIONS,
        ),
        Case(
            "opening the data channel of her own session",
            in_yours(alice_session, "ssmmessages:OpenDataChannel", n.own_session, n.in_session),
            "Allowed",
            "her session's id starts with her session name, which the trust binds to her source identity",
            DATA_CHANNEL,
        ),
        Case(
            "opening the data channel of someone else's session",
            in_yours(alice_session, "ssmmessages:OpenDataChannel", n.bobs_session, n.in_session),
            "ImplicitlyDenied",
            "the grant names her own sessions only, never every session",
            DATA_CHANNEL,
        ),
        Case(
            "bob of her own party opens the data channel of alice's session",
            in_yours(bob_session_a, "ssmmessages:OpenDataChannel", n.own_session, bob_on_alices),
            "ImplicitlyDenied",
            "his source identity is bob, and alice's session id starts with alice",
            DATA_CHANNEL,
        ),
        *(
            Case(
                f"opening the data channel of a session of her name in {where}",
                Request(
                    alice_session,
                    "ssmmessages:OpenDataChannel",
                    arn("aws", "ssm", region, account, f"session/{ALICES_SESSION_ID}"),
                    account,
                    n.in_session,
                ),
                "ImplicitlyDenied",
                "the grant names sessions of your account, in the stack's region only",
                DATA_CHANNEL,
            )
            for where, region, account in elsewhere
        ),
        Case(
            "running a command on her instance",
            in_yours(alice_session, "ssm:SendCommand", n.instance_a, n.on_a),
            "ExplicitlyDenied",
            "a command runs as root and unrecorded; denied outright",
            EXPLICIT_DENY,
        ),
        Case(
            "listing everyone's sessions",
            in_yours(alice_session, "ssm:DescribeSessions", "*", n.in_session),
            "ExplicitlyDenied",
            "other parties' sessions are not hers to see",
            EXPLICIT_DENY,
        ),
        Case(
            "chaining on into another role of your account",
            in_yours(alice_session, "sts:AssumeRole", iam_role_arn("aws", YOUR_ACCOUNT, "Admin"), n.in_session),
            "ExplicitlyDenied",
            "the session role is the end of the chain, whatever another role's trust says",
            EXPLICIT_DENY,
        ),
        Case(
            "listing the fleet's SSM-managed instances",
            in_yours(alice_session, "ssm:DescribeInstanceInformation", "*", n.in_session),
            "ExplicitlyDenied",
            "the stack's outputs name her instances; the fleet's inventory stays out of her sight",
            EXPLICIT_DENY,
        ),
        Case(
            "listing the EC2 inventory",
            in_yours(alice_session, "ec2:DescribeInstances", "*", n.in_session),
            "ImplicitlyDenied",
            "nothing grants EC2 reads",
            NOT_GRANTED,
        ),
        Case(
            "party B's session on its own instance",
            in_yours(
                bob_session_b,
                "ssm:StartSession",
                n.instance_b,
                {**n.on_a, "aws:userid": n.userid("B", "bob"), "aws:SourceIdentity": "bob", n.tag: "Third_Party_B"},
            ),
            "Allowed",
            "each party reaches its own tagged instances",
            ABAC,
        ),
        Case(
            "party B's session on party A's instance",
            in_yours(
                bob_session_b,
                "ssm:StartSession",
                n.instance_a,
                {**n.on_a, "aws:userid": n.userid("B", "bob"), "aws:SourceIdentity": "bob"},
            ),
            "ImplicitlyDenied",
            "and not the other party's",
            ABAC,
        ),
        Case(
            "alice starts a session with her own keys",
            in_yours(n.alice, "ssm:StartSession", n.instance_a, n.on_a),
            "ImplicitlyDenied",
            "her user's keys grant nothing in your account",
            NOT_GRANTED,
        ),
    ]
