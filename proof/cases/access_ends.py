"""The group "access ends": the function that ends open sessions may do that, and nothing else."""

from __future__ import annotations

from components.arns import assumed_role_arn, iam_role_arn, log_group_arn
from proof.cases.case import Case
from proof.cases.references import NOT_GRANTED, SESSION_LOGS, SWEEPER
from proof.cases.world import YOUR_ACCOUNT, YOURS, Names, in_yours


def cases(n: Names) -> list[Case]:
    sweeper = assumed_role_arn("aws", YOUR_ACCOUNT, n.sweeper_role_name, "session-sweeper")
    sessions_of = {
        "party A's session role": f"{n.session_role_id_a}:alice",
        "an administrator": "AROAADMINISTRATOR00:ops",
    }
    own_log = log_group_arn(YOURS, "/third-party-ec2-access/yours/session-sweeper")
    return [
        Case(
            "the sweeper lists the active sessions",
            in_yours(sweeper, "ssm:DescribeSessions", "*", {}),
            "Allowed",
            "it must find the sessions whose grant has ended; the call takes no resource",
            SWEEPER,
        ),
        *(
            Case(
                f"the sweeper ends a session of {whose}",
                in_yours(
                    sweeper, "ssm:TerminateSession", n.own_session, {"ssm:resourceTag/aws:ssmmessages:session-id": tag}
                ),
                "Allowed" if whose.startswith("party") else "ImplicitlyDenied",
                "it may end the sessions this stack's session roles start, and no one else's",
                SWEEPER,
            )
            for whose, tag in sessions_of.items()
        ),
        Case(
            "the sweeper records what it ended in its own log group",
            in_yours(sweeper, "logs:PutLogEvents", f"{own_log}:log-stream:2027/06/30", {}),
            "Allowed",
            "its record of ended sessions is part of the audit trail",
            SESSION_LOGS,
        ),
        Case(
            "the sweeper writes into the session log group",
            in_yours(sweeper, "logs:PutLogEvents", n.log_stream, {}),
            "ImplicitlyDenied",
            "the sessions' own record is the instances' to write",
            NOT_GRANTED,
        ),
        *(
            Case(
                f"the sweeper {what}",
                in_yours(sweeper, action, resource, {}),
                "ImplicitlyDenied",
                "ending sessions is all it may do",
                NOT_GRANTED,
            )
            for what, action, resource in [
                ("starts a session", "ssm:StartSession", n.instance_a),
                ("runs a command", "ssm:SendCommand", n.instance_a),
                ("reads a parameter", "ssm:GetParameter", n.parameter),
                ("assumes another role", "sts:AssumeRole", iam_role_arn("aws", YOUR_ACCOUNT, "Admin")),
            ]
        ),
    ]
