"""The group "port forwarding": party A lists ``ports``, party B lists none.

Session Manager authorizes a forwarding session as it does a shell: ``ssm:StartSession`` on the instance (its
ABAC tag, with the document check on) and on the session document. The document named is the one alice's
connect command names (the stack output ``connectCommands``), so the requests are the ones she sends. Which
port she forwards is a parameter, which IAM never sees: the port document's own pattern holds that
(tests/test_port_forwarding.py tests the registered document against every port).
"""

from __future__ import annotations

import shlex

from components.arns import ssm_document_arn
from components.port_forwarding_document import port_forwarding_document_name
from proof.cases.case import Case
from proof.cases.references import ABAC, DOCUMENT_CHECK, EXPIRY, EXPLICIT_DENY
from proof.cases.world import YOURS, Names, in_yours

FORWARDED = "instance-a:5432"
"""Party A's connect command forwarding port 5432 of instance-a."""


def forwarding_document(n: Names) -> str:
    """The document alice's forwarding command names, as an ARN."""
    command = shlex.split(n.yours["connectCommands"]["Third_Party_A"][FORWARDED])
    return ssm_document_arn(YOURS, command[command.index("--document-name") + 1])


def cases(n: Names) -> list[Case]:
    alice, bob_b = n.session("A", "alice"), n.session("B", "bob")
    own_document = forwarding_document(n)
    # The document party B would get if it listed ports; someone else's to create, never B's to use.
    bs_name = ssm_document_arn(YOURS, port_forwarding_document_name("yours", "Third_Party_B"))
    in_b = n.in_session_of("B", "bob")
    return [
        Case(
            "forwarding through her party's own port document",
            in_yours(alice, "ssm:StartSession", own_document, n.in_session),
            "Allowed",
            "a party that lists ports may start sessions through its own port document",
            DOCUMENT_CHECK,
        ),
        Case(
            "forwarding on the instance tagged for her party",
            in_yours(alice, "ssm:StartSession", n.instance_a, n.on_a),
            "Allowed",
            "the instance grant is the shell's: her party's tag, with the document check on",
            ABAC,
        ),
        Case(
            "forwarding on an instance tagged for another party",
            in_yours(alice, "ssm:StartSession", n.instance_b, {**n.on_a, n.tag: "Third_Party_B"}),
            "ImplicitlyDenied",
            "a port session needs the instance grant too, and the tag must name her own party",
            ABAC,
        ),
        *(
            Case(
                f"forwarding through {document}",
                in_yours(alice, "ssm:StartSession", ssm_document_arn(YOURS, document), n.in_session),
                "ExplicitlyDenied",
                f"{why}; every document but the party's own two is denied",
                EXPLICIT_DENY,
            )
            for document, why in [
                ("AWS-StartPortForwardingSession", "it forwards any port of the instance"),
                ("AWS-StartPortForwardingSessionToRemoteHost", "it forwards to any host the instance reaches"),
            ]
        ),
        Case(
            "forwarding through another party's port document",
            in_yours(alice, "ssm:StartSession", bs_name, n.in_session),
            "ExplicitlyDenied",
            "its ports are another party's grant",
            EXPLICIT_DENY,
        ),
        Case(
            "party B, which lists no ports, forwards through party A's port document",
            in_yours(bob_b, "ssm:StartSession", own_document, in_b),
            "ExplicitlyDenied",
            "a party without ports may start sessions through its shell document only",
            EXPLICIT_DENY,
        ),
        Case(
            "party B, which lists no ports, forwards through a port document named for it",
            in_yours(bob_b, "ssm:StartSession", bs_name, in_b),
            "ExplicitlyDenied",
            "listing no ports grants no port document, whoever creates one under its name",
            EXPLICIT_DENY,
        ),
        Case(
            "forwarding through her party's port document after its expiry",
            in_yours(alice, "ssm:StartSession", own_document, {**n.in_session, "aws:CurrentTime": n.after_expiry}),
            "ImplicitlyDenied",
            "credentials obtained before the expiry start no forwarding session after it",
            EXPIRY,
        ),
    ]
