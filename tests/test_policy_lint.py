"""Every identity policy both stacks register, linted by parliament (its offline Python API).

Two findings are allowed, and only those, once per session role:
- parliament's data does not list ssm:SessionDocumentAccessCheck as a condition key of
  ssm:StartSession, although the Service Authorization Reference and the Session Manager guide do;
- the Service Authorization Reference gives ssmmessages:OpenDataChannel no resource type, so parliament
  wants "*", while the Session Manager user guide's quick-start end user policy grants it on the user's
  own sessions. The product follows the user guide, on the form that matches a role's own sessions
  (session/${aws:SourceIdentity}-* in this account and region); the proof tells its engine so.
"""

from __future__ import annotations

import pytest
from parliament import analyze_policy_string

from harness.aws_mocks import AwsMocks
from harness.program_run import ProgramRun
from tests.stack_runs import run_their

IDENTITY_POLICY_TYPES = {
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/groupPolicy:GroupPolicy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/policy:Policy",
}
KNOWN_FALSE_POSITIVES = {
    (
        "UNKNOWN_CONDITION_FOR_ACTION",
        "Unknown condition ssm:SessionDocumentAccessCheck for action ssm:StartSession",
    ),
    (
        "RESOURCE_MISMATCH",
        str([{"action": "ssmmessages:OpenDataChannel", "required_format": "*"}] * 2),
    ),
}


def findings(run: ProgramRun) -> list[tuple[str, str, str]]:
    """(resource, issue, detail) of every finding on every identity policy the run registered."""
    return [
        (resource.name, finding.issue, str(finding.detail))
        for resource in run.resources
        if resource.type in IDENTITY_POLICY_TYPES
        for finding in analyze_policy_string(resource.inputs["policy"]).findings
    ]


@pytest.fixture(scope="module")
def their_with_mfa() -> ProgramRun:
    return run_their(AwsMocks(account_id="222233334444"), requireMfa=True)


def test_their_identity_policies_have_no_finding(their_run, their_with_mfa):
    assert findings(their_run) == []
    assert findings(their_with_mfa) == []


def test_your_identity_policies_have_no_finding_but_the_known_false_positives(yours_run):
    all_findings = findings(yours_run)
    assert [f for f in all_findings if (f[1], f[2]) not in KNOWN_FALSE_POSITIVES] == []
    # The allow-list stays true: each false positive is there, once per session role.
    assert sorted(f[0] for f in all_findings) == sorted(
        f"session-access-SSMStartSession_IAM_Role_ThirdParty{p}-permissions" for p in "AABB"
    )


def test_the_linter_does_flag_a_flawed_policy():
    flawed = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ssm:StartSesion", "Resource": "*"}]}'
    )
    assert "UNKNOWN_ACTION" in {finding.issue for finding in analyze_policy_string(flawed).findings}
