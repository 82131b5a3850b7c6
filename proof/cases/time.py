"""The group "time": the party's expiry."""

from __future__ import annotations

from proof.cases.case import Case
from proof.cases.references import EXPIRY
from proof.cases.world import THEIR_A, Names, assume, in_yours


def cases(n: Names) -> list[Case]:
    own = {**n.in_session, "ssm:resourceTag/aws:ssmmessages:session-id": n.alice_userid}
    return [
        Case(
            "the local role after the party's expiry",
            assume(n.local(THEIR_A, "alice"), n.session_role("A"), {**n.hop_2, "aws:CurrentTime": n.after_expiry}),
            "ImplicitlyDenied",
            "the trust ends at the party's expiry, with no deployment",
            EXPIRY,
        ),
        Case(
            "a session after the party's expiry",
            in_yours(
                n.session("A", "alice"),
                "ssm:StartSession",
                n.instance_a,
                {**n.on_a, "aws:CurrentTime": n.after_expiry},
            ),
            "ImplicitlyDenied",
            "credentials obtained before the expiry start no session after it",
            EXPIRY,
        ),
        # The same requests a day before the expiry are the session role's, allowed.
        *(
            Case(
                f"{what} after the party's expiry",
                in_yours(
                    n.session("A", "alice"), action, n.own_session, {**context, "aws:CurrentTime": n.after_expiry}
                ),
                "ImplicitlyDenied",
                f"credentials obtained before the expiry {why} after it",
                EXPIRY,
            )
            for what, action, context, why in [
                ("resuming her own session", "ssm:ResumeSession", own, "resume no session"),
                ("opening her own session's data channel", "ssmmessages:OpenDataChannel", n.in_session, "open none"),
                ("ending her own session", "ssm:TerminateSession", own, "end no session (the sweeper ends it)"),
            ]
        ),
    ]
