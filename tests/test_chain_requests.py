"""The proof's chain requests are the helper's: the helper runs both hops as the SDKs run it (the pasted
profile's credential_process, a process of its own) against moto on loopback, what reaches STS is captured,
and the request context of each hop is derived from it (proof/chain_requests.py). The contexts the decision
cases use for the intended person (``Names.hop_1``, ``hop_2``, ``hop_2_b``) must be exactly those, key for
key; keys no parameter sets are AWS's, and each is checked against what the chain gives AWS.
"""

from __future__ import annotations

import configparser
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from components.arns import AwsAccount, mfa_device_arn
from proof.cases.world import THEIR_A, THEIR_B, Names, without
from proof.chain_requests import SET_BY_AWS, AssumeRoleRequest, assume_role_request
from proof.iam_engine import Request, evaluate
from tests.moto_accounts import (
    REGION,
    create_chain_accounts,
    record_assume_role_requests,
    sdk_session,
    write_aws_files,
)
from tests.test_access_proof import Proof, proof  # noqa: F401 (the proof's world and registered policies)

MFA_CODE = "123456"


@dataclass(frozen=True)
class HelperChain:
    party: str
    account: str
    mfa: bool
    outputs: dict
    """The party's their stack outputs, from the proof's world."""
    signer: str
    """Whose key signed hop 1: alice's user, as STS names her."""
    hop_1: AssumeRoleRequest
    hop_2: AssumeRoleRequest

    @property
    def os_user(self) -> str | None:
        prefix = self.outputs.get("osUserPrefix")
        return f"{prefix}alice" if prefix else None


def profile_line(config: configparser.ConfigParser) -> tuple[str, list[str]]:
    (section,) = [name for name in config.sections() if config.has_option(name, "credential_process")]
    return section, shlex.split(config[section]["credential_process"])


def with_mfa(config_text: str, serial: str | None) -> str:
    """The pasted profile with ``--mfa-serial`` as given (None: without it), whatever the stack's choice."""
    config = configparser.ConfigParser()
    config.read_string(config_text)
    section, command = profile_line(config)
    while "--mfa-serial" in command:
        at = command.index("--mfa-serial")
        del command[at : at + 2]
    config[section]["credential_process"] = shlex.join([*command, *(["--mfa-serial", serial] if serial else [])])
    lines: list[str] = []
    for name in config.sections():
        lines += [f"[{name}]", *(f"{key} = {value}" for key, value in config[name].items()), ""]
    return "\n".join(lines)


@pytest.fixture(params=[("A", True), ("A", False), ("B", False), ("B", True)], ids=lambda p: f"party-{p[0]}-mfa-{p[1]}")
def helper_chain(request, proof: Proof, moto_endpoint, aws_home, monkeypatch) -> HelperChain:  # noqa: F811
    """alice of party A (which requires MFA) or B (one OS user per person), with and without MFA: her pasted
    profile, her key in moto, and the two AssumeRole requests the helper sent for one AWS CLI command."""
    party, mfa = request.param
    outputs, account = (proof.world.their_a, THEIR_A) if party == "A" else (proof.world.their_b, THEIR_B)
    accounts = create_chain_accounts(
        moto_endpoint,
        external_id=outputs["externalId"],
        os_user_prefix=outputs.get("osUserPrefix"),
        their_account=account,
        your_role_name=outputs["yourRoleArn"].rsplit("/", 1)[1],
    )
    serial = mfa_device_arn(AwsAccount("aws", account, REGION), "alice") if mfa else None
    config_text = with_mfa(outputs["awsCliConfig"]["alice"], serial)
    config = configparser.ConfigParser()
    config.read_string(config_text)
    section, command = profile_line(config)
    option = dict(zip(command[2::2], command[3::2], strict=True))
    write_aws_files(
        aws_home,
        accounts,
        config_text=config_text,
        source_profile=option["--source-profile"],
        external_id_file=Path(option["--external-id-file"]).name,
    )
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:/usr/bin:/bin")  # the helper she installed
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("THIRD_PARTY_EC2_ACCESS_MFA_CODE", MFA_CODE)  # read only when the profile asks for MFA
    requests = record_assume_role_requests(monkeypatch)
    profile = section.removeprefix("profile ")
    identity = sdk_session(profile_name=profile).client("sts", region_name=REGION).get_caller_identity()
    assert identity["Arn"].endswith("/alice")
    hop_1, hop_2 = (assume_role_request(form) for form in requests)
    signer = boto3.client(
        "sts",
        region_name=REGION,
        aws_access_key_id=accounts.access_key_id,
        aws_secret_access_key=accounts.secret_access_key,
    ).get_caller_identity()["Arn"]
    return HelperChain(party, account, mfa, outputs, signer, hop_1, hop_2)


def request_keys(context: dict) -> dict:
    """The keys a request's parameters set: the proof's context without those AWS sets."""
    return {key: value for key, value in context.items() if key not in SET_BY_AWS}


def shown(context: dict, external_id: str) -> dict:
    """The context as an assertion may print it: the ExternalId is secret, so only whether it is the party's."""
    if "sts:ExternalId" not in context:
        return context
    is_the_partys = context["sts:ExternalId"] == external_id
    return {**context, "sts:ExternalId": "<the party's>" if is_the_partys else "<another value>"}


def proof_hops(chain: HelperChain, n: Names) -> tuple[dict, dict]:
    """The contexts the decision table gives the intended person's hop 1 and hop 2 (party A's alice has MFA;
    party B's hop 1 is hers by the same trust, the table does not repeat it)."""
    hop_1 = n.hop_1 if chain.mfa else without(n.hop_1, "aws:MultiFactorAuthPresent")
    hop_2 = n.hop_2 if chain.party == "A" else n.hop_2_b("alice", chain.os_user)
    return hop_1, hop_2


def test_the_proofs_hops_are_the_helpers_own_requests_and_decide_them(helper_chain, proof: Proof):  # noqa: F811
    """Three claims on one chain of the helper's (a chain costs a run of the helper): each is a function below,
    and each of its assertions says which claim failed."""
    the_proofs_hop_contexts_are_the_ones_the_helper_sends(helper_chain, proof)
    what_aws_sets_in_the_proofs_hops_is_what_the_helpers_chain_gives_it(helper_chain, proof)
    the_registered_policies_decide_the_helpers_own_requests(helper_chain, proof)


def the_proofs_hop_contexts_are_the_ones_the_helper_sends(chain: HelperChain, proof: Proof) -> None:  # noqa: F811
    claim = "the proof's hop contexts are the ones the helper sends"
    n = Names(proof.world)
    hop_1, hop_2 = proof_hops(chain, n)
    external_id = chain.outputs["externalId"]
    assert shown(chain.hop_1.context, external_id) == shown(request_keys(hop_1), external_id), f"{claim}: hop 1"
    assert shown(chain.hop_2.context, external_id) == shown(request_keys(hop_2), external_id), f"{claim}: hop 2"
    # What the proof adds beyond the parameters is only what AWS sets.
    assert set(hop_1) - set(chain.hop_1.context) <= set(SET_BY_AWS), f"{claim}: hop 1 adds only what AWS sets"
    assert set(hop_2) - set(chain.hop_2.context) <= set(SET_BY_AWS), f"{claim}: hop 2 adds only what AWS sets"


def what_aws_sets_in_the_proofs_hops_is_what_the_helpers_chain_gives_it(chain: HelperChain, proof: Proof) -> None:  # noqa: F811
    """The proof's keys that no parameter sets, each as AWS sets it from this chain. aws:CurrentTime is
    AWS's clock, not the chain's: the proof fixes an instant before the party's expiry (its time cases
    decide the other side), so it is the one key left out here."""
    claim = "what AWS sets in the proof's hops is what the helper's chain gives it"
    n = Names(proof.world)
    hop_1, hop_2 = proof_hops(chain, n)

    def set_by_aws(context: dict) -> dict:
        return {key: value for key, value in context.items() if key in SET_BY_AWS and key != "aws:CurrentTime"}

    if chain.party == "A":  # the table's hop 1 is party A's alice, signing with her own key
        assert chain.signer == n.alice, f"{claim}: hop 1's signer"
        assert set_by_aws(hop_1) == {"aws:PrincipalArn": chain.signer, "aws:username": "alice"}, f"{claim}: hop 1"
    # hop 2's caller is hop 1's session, which carries the source identity hop 1 set.
    assert chain.hop_1.session_arn == n.local(chain.account, "alice"), f"{claim}: hop 2's caller"
    assert set_by_aws(hop_2) == {"aws:SourceIdentity": chain.hop_1.context["sts:SourceIdentity"]}, f"{claim}: hop 2"
    # The roles asked for are the ones the proof decides on.
    assert chain.hop_1.role_arn == chain.outputs["assumeRoleArn"], f"{claim}: hop 1's role"
    assert chain.hop_2.role_arn == n.session_role(chain.party), f"{claim}: hop 2's role"


def the_registered_policies_decide_the_helpers_own_requests(chain: HelperChain, proof: Proof) -> None:  # noqa: F811
    """Every action each hop of the helper's is authorized as, with AWS's keys as the chain sets them."""
    user = chain.signer
    now = {"aws:CurrentTime": proof.world.before_expiry}
    hop_1_keys = {"aws:PrincipalArn": user, "aws:username": user.rsplit("/", 1)[1], **now}
    hop_2_keys = {"aws:SourceIdentity": str(chain.hop_1.context["sts:SourceIdentity"]), **now}
    requests = [
        Request(caller, action, hop.role_arn, hop.role_arn.split(":")[4], {**hop.context, **aws_keys})
        for caller, hop, aws_keys in [
            (user, chain.hop_1, hop_1_keys),
            (chain.hop_1.session_arn, chain.hop_2, hop_2_keys),
        ]
        for action in hop.actions
    ]
    decisions = evaluate([proof.policies.simulation(request) for request in requests])
    decided = {(request.resource, request.action): d for request, d in zip(requests, decisions, strict=True)}
    # Party A requires MFA: without it, its trust refuses hop 1 (the table's "alice without MFA").
    hop_1_expected = "ImplicitlyDenied" if chain.party == "A" and not chain.mfa else "Allowed"
    assert decided == {
        **{(chain.hop_1.role_arn, action): hop_1_expected for action in chain.hop_1.actions},
        **{(chain.hop_2.role_arn, action): "Allowed" for action in chain.hop_2.actions},
    }, "the registered policies decide the helper's own requests"


# -- the derivation itself ------------------------------------------------------------------------------


def test_a_tagged_request_with_mfa_is_every_action_and_key_its_parameters_make():
    form = {
        "Action": ["AssumeRole"],
        "Version": ["2011-06-15"],
        "RoleArn": ["arn:aws:iam::111122223333:role/team/Reader"],
        "RoleSessionName": ["alice"],
        "DurationSeconds": ["900"],
        "SerialNumber": ["arn:aws:iam::222233334444:mfa/alice"],
        "TokenCode": [MFA_CODE],
        "Tags.member.2.Key": ["Project"],
        "Tags.member.2.Value": ["blue"],
        "Tags.member.1.Key": ["Team"],
        "Tags.member.1.Value": ["ops"],
        "TransitiveTagKeys.member.1": ["Team"],
    }
    request = assume_role_request(form)
    assert request.actions == ("sts:AssumeRole", "sts:TagSession")
    assert request.context == {
        "sts:RoleSessionName": "alice",
        "aws:MultiFactorAuthPresent": "true",
        "aws:RequestTag/Team": "ops",
        "aws:RequestTag/Project": "blue",
        "aws:TagKeys": ["Team", "Project"],
        "sts:TransitiveTagKeys": ["Team"],
    }
    assert request.session_arn == "arn:aws:sts::111122223333:assumed-role/Reader/alice"


@pytest.mark.parametrize("field", ["Policy", "PolicyArns.member.1.arn", "ProvidedContexts.member.1.ProviderArn"])
def test_a_parameter_the_proof_does_not_model_is_refused(field):
    form = {"Action": "AssumeRole", "RoleArn": "arn:aws:iam::111122223333:role/R", "RoleSessionName": "a", field: "x"}
    with pytest.raises(ValueError, match=f"carries {field}, which the proof does not model"):
        assume_role_request(form)


def test_only_an_assume_role_request_is_read():
    with pytest.raises(ValueError, match="not an AssumeRole request: Action='GetCallerIdentity'"):
        assume_role_request({"Action": "GetCallerIdentity"})
