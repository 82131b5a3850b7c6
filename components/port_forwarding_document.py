"""A party's port-forwarding Session document: a session to the instance itself, on the party's ports only.

Its content mirrors AWS's own ``AWS-StartPortForwardingSession`` (``sessionType`` ``Port``, parameters
``portNumber`` and ``localPortNumber`` substituted into ``properties``, ``type`` ``LocalPortForwarding``;
Systems Manager User Guide, "Session document schema"), with ``portNumber`` narrowed to the listed ports and
no ``host`` at all:

- SSM Agent reads the destination from the document's resolved ``properties`` only, and with no ``host`` there
  dials ``localhost:<portNumber>`` (aws/amazon-ssm-agent agent/session/plugins/port/port.go, ``DialCall``: an
  empty host is ``net.JoinHostPort("localhost", portNumber)``). A parameter reaches the properties only
  through a ``{{ name }}`` placeholder (agent/framework/docparser/parameters/parameters.go,
  ``ReplaceParameters``), and these properties hold none for a host: whatever a caller passes, the session
  forwards to the instance itself, never to another host (``AWS-StartPortForwardingSessionToRemoteHost`` has
  ``"host": "{{ host }}"``, which this document never has).
- ``localPortNumber`` is the caller's own side: the Session Manager plugin listens on it on the caller's
  machine (aws/session-manager-plugin src/sessionmanagerplugin/session/portsession, ``0`` picks a free port).
- Not logged, not run as a user, not KMS-encrypted: SSM Agent's port plugin streams no session data
  ("Logging isn't available for Session Manager sessions that connect through port forwarding or SSH",
  Systems Manager User Guide, "Enabling and disabling session logging"), opens the connection itself with no
  Run As user (agent/session/plugins/port has none), and never encrypts a Port session's channel with the
  session key (agent/session/plugins/sessionplugin/sessionplugin.go, ``isEncryptionEnabled`` is false for the
  Port plugin). So this document carries none of the shell document's logging, Run As or KMS inputs; it
  carries the shell's idle timeout and maximum duration, the only session preferences that are the service's
  to apply (the schema makes ``inputs`` optional but for ``Standard_Stream``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from components.contract import PROJECT, cli_profile_name

PORT_NUMBER = "portNumber"
"""The parameter naming the port on the instance: one of the party's ports."""
LOCAL_PORT_NUMBER = "localPortNumber"
"""The parameter naming the port on the caller's machine."""

LOCAL_PORT_PATTERN = "^([0-9]|[1-9][0-9]{1,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$"
"""Any port of the caller's own machine (0 lets the plugin pick one), as AWS's own port documents accept it."""

MAX_CONTENT_BYTES = 64 * 1024
"""A document's content may not exceed 64 KB (Systems Manager API Reference, CreateDocument, Content)."""

MAX_NAME_LENGTH = 128
"""A document's name: ``^[a-zA-Z0-9_\\-.]{3,128}$`` (Systems Manager API Reference, CreateDocument, Name)."""


def ports_pattern(ports: Iterable[int]) -> str:
    """Exactly the listed ports, as decimal text without sign or leading zero: an anchored alternation."""
    return "^(" + "|".join(str(port) for port in sorted(ports)) + ")$"


def port_forwarding_document_name(stack: str, party_name: str) -> str:
    """The party's document: ``third-party-ec2-access-yours-ports-third-party-a`` (the party's AWS CLI profile
    name: ASCII letters and digits in lowercase words, which a document name may hold)."""
    return f"{PROJECT}-{stack}-ports-{cli_profile_name(party_name)}"


def port_forwarding_document_content(
    *, party_name: str, ports: Sequence[int], idle_timeout_minutes: int, max_duration_minutes: int
) -> dict[str, Any]:
    """Forwarding from the caller's machine to ``localhost`` of the instance, on one of ``ports``.

    The ports are checked twice by Session Manager's parameter validation: ``allowedPattern`` (an anchored
    alternation) and ``allowedValues`` (the same list), so no reading of the pattern's anchors (a ``$`` that
    also matches before a final newline, in some regular expression dialects) admits another value.
    """
    allowed = [str(port) for port in sorted(ports)]
    return {
        "schemaVersion": "1.0",
        "description": f"third-party-ec2-access: {party_name} forwards ports {', '.join(allowed)} of the instance "
        "itself (never another host)",
        "sessionType": "Port",
        "inputs": {
            "idleSessionTimeout": str(idle_timeout_minutes),
            "maxSessionDuration": str(max_duration_minutes),
        },
        "parameters": {
            PORT_NUMBER: {
                "type": "String",
                "description": f"The port on the instance: one of {', '.join(allowed)}",
                "allowedPattern": ports_pattern(ports),
                "allowedValues": allowed,
            },
            LOCAL_PORT_NUMBER: {
                "type": "String",
                "description": "(Optional) The port on your machine; 0 (the default) picks a free one",
                "allowedPattern": LOCAL_PORT_PATTERN,
                "default": "0",
            },
        },
        "properties": {
            PORT_NUMBER: "{{ " + PORT_NUMBER + " }}",
            "type": "LocalPortForwarding",
            LOCAL_PORT_NUMBER: "{{ " + LOCAL_PORT_NUMBER + " }}",
        },
    }


def content_bytes(content: dict[str, Any]) -> int:
    """The content's size as it is sent (JSON, as the stack registers it)."""
    return len(json.dumps(content).encode())
