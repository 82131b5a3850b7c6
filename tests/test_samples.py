"""The committed samples, Pulumi.their.yaml and Pulumi.yours.yaml, are the adopter's to edit: every check here
holds for any valid config, never a count or a name an edit would change. Each runs on the samples as
committed and on a copy with an adopter's first edits (one more user, an instance they already run granted in
place), so editing the samples keeps the suite green.

The tests that need fixed inputs read tests/fixtures/ (the samples as first committed) and examples/.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from harness.aws_mocks import AwsMocks, ExistingInstance, StackReferenceOutputs
from harness.program_run import ProgramRun, stack_reference_outputs
from harness.stack_file import read_stack_file, run_stack_file
from policy_pack.security_bar import POLICIES
from proof.access_matrix import access_matrix
from proof.quotas import quota_violations
from tests.stack_runs import (
    ONE_PARTY_STACK_FILE,
    SAMPLE_THEIR_STACK_FILE,
    SAMPLE_YOURS_STACK_FILE,
    THEIR_STACKS,
    YOURS_STACK_FILE,
    their_stack_references,
    yours_mocks,
)
from tests.test_policy_pack import policy_resources, violations

PROJECT = "third-party-ec2-access"
THEIR_ACCOUNT = "222233334444"
"""The account the their sample is run in (the README's third-party account)."""
ADDED_USER = "bob"
EXISTING_INSTANCE = "i-0123456789abcdef0"
"""The id the yours sample's commented-out example of an existing instance names."""


def config(path: Path) -> dict:
    return yaml.safe_load(path.read_text())["config"]


def with_adopters_edits(their: Path, yours: Path, into: Path) -> tuple[Path, Path]:
    """Copies of the two samples with an adopter's first edits: one more user in the their sample (bob, or bob2
    if bob is there), and an existing instance granted (in place) to the yours sample's first party (the id the
    sample's comment names, or the next one if the sample already grants it)."""
    into.mkdir()
    their_doc, yours_doc = yaml.safe_load(their.read_text()), yaml.safe_load(yours.read_text())
    users = their_doc["config"][f"{PROJECT}:users"]
    users.append(next(name for name in (ADDED_USER, f"{ADDED_USER}2") if name not in users))
    party = yours_doc["config"][f"{PROJECT}:thirdParties"][0]["name"]
    instances = yours_doc["config"].setdefault(f"{PROJECT}:instances", [])
    granted = {i.get("id") for i in instances}
    instance_id = next(i for i in (EXISTING_INSTANCE, EXISTING_INSTANCE[:-1] + "1") if i not in granted)
    instances.append({"id": instance_id, "grantedTo": party})
    (into / their.name).write_text(yaml.safe_dump(their_doc, sort_keys=False))
    (into / yours.name).write_text(yaml.safe_dump(yours_doc, sort_keys=False))
    return into / their.name, into / yours.name


@pytest.fixture(scope="module", params=["committed", "edited"])
def samples(request, tmp_path_factory) -> tuple[Path, Path]:
    """The their and yours samples: as committed, or with an adopter's first edits."""
    if request.param == "committed":
        return SAMPLE_THEIR_STACK_FILE, SAMPLE_YOURS_STACK_FILE
    return with_adopters_edits(
        SAMPLE_THEIR_STACK_FILE, SAMPLE_YOURS_STACK_FILE, tmp_path_factory.mktemp("samples") / "edited"
    )


def run_their_sample(path: Path, **overrides) -> ProgramRun:
    run = run_stack_file(path, mocks=AwsMocks(account_id=THEIR_ACCOUNT), **overrides)
    assert run.error is None, run.error
    return run


def mocks_for(yours: Path, their: Path) -> AwsMocks:
    """Mocks that answer what the yours sample asks: each party's their stack (the their sample run as that
    party) and each existing instance it grants."""
    yours_config = config(yours)
    references: dict[str, StackReferenceOutputs] = {}
    for party in yours_config[f"{PROJECT}:thirdParties"]:
        if "stack" in party:
            overrides = {"partyName": party["name"]}
            if party.get("osUserPrefix"):
                overrides["osUserPrefix"] = party["osUserPrefix"]
            references[party["stack"]] = stack_reference_outputs(run_their_sample(their, **overrides))
    return AwsMocks(
        region=yours_config.get("aws:region", "us-east-1"),
        stack_references=references,
        existing_instances={
            i["id"]: ExistingInstance("existing-instance-profile", "ExistingInstanceRole")
            for i in yours_config.get(f"{PROJECT}:instances", [])
            if "id" in i
        },
    )


@pytest.fixture(scope="module")
def sample_runs(samples) -> tuple[ProgramRun, ProgramRun]:
    their, yours = samples
    their_run = run_their_sample(their)
    yours_run = run_stack_file(yours, mocks=mocks_for(yours, their))
    assert yours_run.error is None, yours_run.error
    return their_run, yours_run


def test_the_their_sample_gives_each_user_it_names(samples, sample_runs):
    their_run, _ = sample_runs
    users = config(samples[0])[f"{PROJECT}:users"]
    assert sorted(their_run.stack_outputs["users"]) == sorted(users)
    assert sorted(their_run.stack_outputs["awsCliConfig"]) == sorted(users)


def test_the_yours_sample_grants_each_instance_it_names_to_its_party(samples, sample_runs):
    _, yours_run = sample_runs
    instances = config(samples[1]).get(f"{PROJECT}:instances", [])
    outputs = yours_run.stack_outputs["instances"]
    assert {key: value["party"] for key, value in outputs.items()} == {
        i.get("name") or i["id"]: i["grantedTo"] for i in instances
    }


def test_the_samples_fit_aws_quotas(sample_runs):
    for run in sample_runs:
        assert quota_violations(run) == []


def test_the_samples_meet_every_policy_of_the_pack(sample_runs):
    assert POLICIES
    assert violations(policy_resources(*sample_runs)) == []


def test_the_access_report_finds_every_decision_as_the_yours_sample_grants(samples):
    at = datetime.now(UTC).replace(microsecond=0)
    cells = access_matrix(samples[1], at)
    yours_config = config(samples[1])
    parties = {p["name"] for p in yours_config[f"{PROJECT}:thirdParties"]}
    instances = {i.get("name") or i["id"] for i in yours_config.get(f"{PROJECT}:instances", [])}
    assert {(c.party, c.instance) for c in cells} == {(p, i) for p in parties for i in instances}
    assert [c for c in cells if not c.as_expected] == []


def test_the_edited_copy_holds_the_edits(tmp_path):
    # What the checks above run on as "edited" is the samples plus exactly the two edits.
    their, yours = with_adopters_edits(SAMPLE_THEIR_STACK_FILE, SAMPLE_YOURS_STACK_FILE, tmp_path / "edited")
    expected_their, expected_yours = config(SAMPLE_THEIR_STACK_FILE), config(SAMPLE_YOURS_STACK_FILE)
    assert config(their)[f"{PROJECT}:users"][:-1] == expected_their[f"{PROJECT}:users"]
    assert config(their)[f"{PROJECT}:users"][-1].startswith(ADDED_USER)
    edited_instances = config(yours)[f"{PROJECT}:instances"]
    assert edited_instances[:-1] == expected_yours.get(f"{PROJECT}:instances", [])
    assert edited_instances[-1]["id"].startswith(EXISTING_INSTANCE[:-1])
    assert read_stack_file(their).stack == "their"
    assert read_stack_file(yours).stack == "yours"


# -- the fixed inputs: the samples as first committed, and the two-party example --------------------------


def test_the_one_party_fixture_needs_exactly_one_their_stack():
    # The mocks know party A's their stack and no other: reading any other stops the program.
    party_a = THEIR_STACKS["Third_Party_A"][0]
    run = run_stack_file(
        ONE_PARTY_STACK_FILE, mocks=yours_mocks(stack_references={party_a: their_stack_references()[party_a]})
    )
    assert run.error is None, run.error
    assert run.stack_outputs["instances"]["instance-a"]["party"] == "Third_Party_A"
    assert set(run.stack_outputs["sessionRoles"]) == {"Third_Party_A"}


def test_the_two_party_example_is_the_one_party_fixture_plus_party_b():
    sample, example = config(ONE_PARTY_STACK_FILE), config(YOURS_STACK_FILE)
    parties, instances = f"{PROJECT}:thirdParties", f"{PROJECT}:instances"
    assert [p["name"] for p in example[parties]] == ["Third_Party_A", "Third_Party_B"]
    assert example[parties][0] == sample[parties][0]
    assert [i for i in example[instances] if i["grantedTo"] != "Third_Party_B"] == sample[instances]
    assert {k: v for k, v in example.items() if k not in (parties, instances)} == {
        k: v for k, v in sample.items() if k not in (parties, instances)
    }
