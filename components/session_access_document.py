"""The Session document: Session Manager preferences as code, under a name of this stack's own.

Schema: AWS Systems Manager User Guide, "Session document schema" (``Standard_Stream``).
"""

from __future__ import annotations

from typing import Any

import pulumi

SHELL_PROFILE_LINUX = "cd ~"
"""Sessions start in the Run As user's home directory."""


def session_document_content(
    *, log_group_name: str, kms_key_id: pulumi.Input[str], idle_timeout_minutes: int, max_duration_minutes: int
) -> dict[str, Any]:
    """Run As with no default user (a role without the SSMSessionRunAs tag gets no session at all),
    streamed and encrypted CloudWatch logging, and KMS encryption of the session channel."""
    return {
        "schemaVersion": "1.0",
        "description": "third-party-ec2-access: Run As, encrypted channel, sessions streamed to encrypted logs",
        "sessionType": "Standard_Stream",
        "inputs": {
            "s3BucketName": "",
            "s3KeyPrefix": "",
            "s3EncryptionEnabled": True,
            "cloudWatchLogGroupName": log_group_name,
            "cloudWatchEncryptionEnabled": True,
            "cloudWatchStreamingEnabled": True,
            "kmsKeyId": kms_key_id,
            "runAsEnabled": True,
            "runAsDefaultUser": "",
            "idleSessionTimeout": str(idle_timeout_minutes),
            "maxSessionDuration": str(max_duration_minutes),
            "shellProfile": {"windows": "", "linux": SHELL_PROFILE_LINUX},
        },
    }
