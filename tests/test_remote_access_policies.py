"""The their-account policy builders, called with plain strings (no Pulumi)."""

import json

from components.remote_access_policies import (
    local_role_permissions_policy,
    local_role_trust_policy,
    remote_access_group_policy,
)

LOCAL_ROLE = "arn:aws:iam::222233334444:role/3P_IAM_Assume_Role"
YOUR_ROLE = "arn:aws:iam::111122223333:role/SSMStartSession_IAM_Role_ThirdPartyA"
ALICE = "arn:aws:iam::222233334444:user/alice"
BOB = "arn:aws:iam::222233334444:user/bob"


def only_statement(policy):
    assert policy["Version"] == "2012-10-17"
    (statement,) = policy["Statement"]
    return statement


def test_group_may_only_assume_the_local_role_naming_itself():
    statement = only_statement(remote_access_group_policy(LOCAL_ROLE))
    assert statement["Effect"] == "Allow"
    assert sorted(statement["Action"]) == ["sts:AssumeRole", "sts:SetSourceIdentity"]
    assert statement["Resource"] == LOCAL_ROLE
    assert statement["Condition"] == {"StringEquals": {"sts:SourceIdentity": "${aws:username}"}}


PATH = "/third-party-ec2-access/their/"
USERS = {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::222233334444:user/third-party-ec2-access/their/*"}}


def test_local_role_trusts_the_stacks_users_as_themselves_under_their_own_session_name():
    assume, carry = local_role_trust_policy("aws", "222233334444", PATH, require_mfa=False)["Statement"]
    assert (assume["Principal"], assume["Action"]) == ({"AWS": "arn:aws:iam::222233334444:root"}, "sts:AssumeRole")
    assert assume["Condition"] == {
        "StringEquals": {"sts:SourceIdentity": "${aws:username}", "sts:RoleSessionName": "${aws:username}"},
        **USERS,
    }
    # sts:RoleSessionName is a condition key of sts:AssumeRole only: SetSourceIdentity stands apart.
    assert (carry["Principal"], carry["Action"]) == ({"AWS": "arn:aws:iam::222233334444:root"}, "sts:SetSourceIdentity")
    assert carry["Condition"] == {"StringEquals": {"sts:SourceIdentity": "${aws:username}"}, **USERS}


def test_the_trust_is_the_same_size_whatever_the_number_of_users():
    # It names the users' path, never a user: 1 user or 1,000, IAM's 2,048-character quota holds.
    assert "user/alice" not in json.dumps(local_role_trust_policy("aws", "222233334444", PATH, require_mfa=True))


def test_local_role_requires_mfa_when_asked():
    for statement in local_role_trust_policy("aws", "222233334444", PATH, require_mfa=True)["Statement"]:
        assert statement["Condition"]["Bool"] == {"aws:MultiFactorAuthPresent": "true"}
        assert statement["Condition"]["StringEquals"]["sts:SourceIdentity"] == "${aws:username}"


def test_mfa_condition_does_not_leak_between_calls():
    local_role_trust_policy("aws", "222233334444", PATH, require_mfa=True)
    for statement in local_role_trust_policy("aws", "222233334444", PATH, require_mfa=False)["Statement"]:
        assert "Bool" not in statement["Condition"]


def test_local_role_may_assume_only_your_role_with_the_external_id():
    assume, carry = local_role_permissions_policy(YOUR_ROLE, "extid-123")["Statement"]
    assert (assume["Effect"], assume["Action"], assume["Resource"]) == ("Allow", "sts:AssumeRole", YOUR_ROLE)
    assert assume["Condition"] == {"StringEquals": {"sts:ExternalId": "extid-123"}}
    # sts:ExternalId is not a condition key of sts:SetSourceIdentity: that action stands apart, on the same role.
    assert (carry["Effect"], carry["Action"], carry["Resource"]) == ("Allow", "sts:SetSourceIdentity", YOUR_ROLE)
    assert "Condition" not in carry
