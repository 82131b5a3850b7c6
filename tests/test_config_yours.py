"""The yours side of the config module: raw strings in, typed values or one clear error out."""

from __future__ import annotations

import ipaddress
import json
from datetime import UTC, datetime

import pytest

from components.config import (
    ConfigError,
    ExistingInstanceConfig,
    ExplicitTrust,
    NewInstanceConfig,
    TheirStackReference,
    YoursStackConfig,
    parse_stack_config,
)
from components.config.yours.network import NetworkKeys
from components.config.yours.parties import PartyKeys

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

PARTY_A = {"name": "Third_Party_A", "stack": "organization/third-party-ec2-access/their", "runAsUser": "third-party-a"}
PARTY_B = {
    "name": "Third_Party_B",
    "stack": "organization/third-party-ec2-access/their-b",
    "runAsUser": "third-party-b",
}


PER_PERSON_B = {"name": "Third_Party_B", "stack": PARTY_B["stack"], "osUserPrefix": "tpb-"}
EXPLICIT_PER_PERSON_C = {
    "name": "Third_Party_C",
    "roleArn": "arn:aws:iam::444455556666:role/3P_IAM_Assume_Role",
    "externalId": "extid-123",
    "osUserPrefix": "tpc-",
    "people": ["carol", "dave"],
}


def yours(**changes) -> dict[str, str]:
    """A valid yours config (two parties, one instance each), with some keys replaced or removed."""
    raw: dict[str, object] = {
        "account": "yours",
        "thirdParties": [PARTY_A, PARTY_B],
        "instances": [
            {"name": "instance-a", "grantedTo": "Third_Party_A"},
            {"name": "instance-b", "grantedTo": "Third_Party_B"},
        ],
    }
    raw.update(changes)
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in raw.items() if v is not None}


def parse(raw: dict[str, str], secret_keys: frozenset[str] = frozenset()) -> YoursStackConfig:
    config = parse_stack_config(raw, secret_keys, now=NOW)
    assert isinstance(config, YoursStackConfig)
    return config


def error_of(raw: dict[str, str], secret_keys: frozenset[str] = frozenset()) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_stack_config(raw, secret_keys, now=NOW)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_defaults_follow_the_seed():
    config = parse(yours())
    assert config.tag_key == "ExternalAccessGrantedTo"
    assert config.network.vpc_cidr == ipaddress.IPv4Network("10.24.34.0/23")
    assert config.network.subnet_cidrs == (ipaddress.IPv4Network("10.24.34.0/24"),)  # one subnet
    assert config.network.interface_endpoints == ("ssm", "ssmmessages", "ec2messages", "logs", "kms")
    assert config.network.flow_log_retention_days == 365  # a year, as Security Hub's CloudWatch.16 expects
    assert config.network.allowed_dns_names == ()  # the instances resolve only what they need for AWS
    assert config.network.accept_endpoints_without_policy == ()  # an ignored endpoint policy stops the program
    assert config.network.dns_query_log_retention_days == 365
    assert (config.session.idle_timeout_minutes, config.session.max_duration_minutes) == (20, 60)
    assert config.session.log_retention_days == 365
    assert config.instances[0] == NewInstanceConfig("instance-a", "Third_Party_A", "t4g.micro", 0)


def test_parties_from_a_stack_or_from_explicit_values():
    explicit = {
        "name": "Third_Party_C",
        "roleArn": "arn:aws-us-gov:iam::444455556666:role/path/3P_IAM_Assume_Role",
        "externalId": "abc-DEF_123",
        "runAsUser": "vendor_c",
        "expires": "2027-01-31T18:30:00Z",
        "roleName": "VendorC",
    }
    config = parse(yours(thirdParties=[PARTY_A, explicit], instances=[]), frozenset({"thirdParties"}))
    a, c = config.third_parties
    assert a.trust == TheirStackReference("organization/third-party-ec2-access/their")
    assert a.role_name == "SSMStartSession_IAM_Role_ThirdPartyA"
    assert a.expires is None
    assert isinstance(c.trust, ExplicitTrust)
    assert c.trust.role_arn == explicit["roleArn"]
    assert c.trust.external_id.value == "abc-DEF_123"
    assert "abc-DEF_123" not in repr(c)  # a secret never shows in a repr
    assert c.role_name == "VendorC"
    assert c.expires == datetime(2027, 1, 31, 18, 30, tzinfo=UTC)


def test_an_existing_instance_and_several_subnets():
    config = parse(
        yours(
            network={"vpcCidr": "10.0.0.0/16", "subnetCidrs": ["10.0.1.0/24", "10.0.2.0/24"]},
            instances=[
                {"id": "i-0123456789abcdef0", "grantedTo": "Third_Party_A"},
                {"id": "i-01234567", "grantedTo": "Third_Party_B"},
                {"name": "b2", "grantedTo": "Third_Party_B", "instanceType": "t3.micro", "subnet": 1},
            ],
        )
    )
    assert config.instances == (
        ExistingInstanceConfig("i-0123456789abcdef0", "Third_Party_A"),
        ExistingInstanceConfig("i-01234567", "Third_Party_B"),
        NewInstanceConfig("b2", "Third_Party_B", "t3.micro", 1),
    )


def network(**changes) -> dict[str, object]:
    return {"vpcCidr": "10.24.34.0/23", "subnetCidrs": ["10.24.34.0/24"], **changes}


def instance(**changes) -> list[dict[str, object]]:
    return [{"name": "instance-a", "grantedTo": "Third_Party_A", **changes}]


def party(**changes) -> list[dict[str, object]]:
    return [{k: v for k, v in {**PARTY_A, **changes}.items() if v is not None}, PARTY_B]


BAD_INPUTS = [
    # the network (issue 3)
    (yours(network=network(vpcCidr="10.24.34/23")), "network.vpcCidr", "IPv4 CIDR"),
    (yours(network=network(vpcCidr="10.24.34.1/23")), "network.vpcCidr", "no host bits"),
    (yours(network=network(vpcCidr="10.0.0.0/8")), "network.vpcCidr", "/16 to /28"),
    (yours(network=network(subnetCidrs=["300.1.1.0/24"])), "network.subnetCidrs[0]", "IPv4 CIDR"),
    (yours(network=network(subnetCidrs=["10.99.0.0/24"])), "network.subnetCidrs[0]", "inside the VPC"),
    (
        yours(network=network(subnetCidrs=["10.24.34.0/24", "10.24.34.128/25"])),
        "network.subnetCidrs[1]",
        "overlaps subnetCidrs[0]",
    ),
    (yours(network=network(subnetCidrs=[])), "network.subnetCidrs", "at least one"),
    (yours(network=network(subnetCidrs=["10.24.34.0/29"])), "network.subnetCidrs[0]", "/16 to /28"),
    (
        yours(
            network=network(subnetCidrs=["10.24.34.0/28"]),
            instances=[{"name": f"i{n}", "grantedTo": "Third_Party_A"} for n in range(7)],
        ),
        "network.subnetCidrs[0]",
        "room for 5 endpoint addresses and 7 instances",
    ),
    (
        yours(network=network(interfaceEndpoints=["ssm", "ssmmessages", "logs", "kms", "s3"])),
        "network.interfaceEndpoints[4]",
        "expected one of",
    ),
    (
        yours(network=network(interfaceEndpoints=["ssm", "ssmmessages", "logs"])),
        "network.interfaceEndpoints",
        "need kms",
    ),
    (
        yours(network=network(interfaceEndpoints=["ssm", "ssm", "ssmmessages", "logs", "kms"])),
        "network.interfaceEndpoints[1]",
        "repeats",
    ),
    (yours(network=network(vpcCIDR="10.0.0.0/16")), "network.vpcCIDR", "unknown key"),
    (yours(network=network(flowLogRetentionDays=10)), "network.flowLogRetentionDays", "retention periods"),
    (yours(network="10.0.0.0/16"), "network", "expected an object"),
    # the DNS names the firewall lets through beyond AWS's (issue 24): never every name, never a whole TLD
    *(
        (yours(network=network(allowedDnsNames=[name])), "network.allowedDnsNames[0]", "never * nor a bare top-level")
        for name in [
            "*",
            "com",
            "*.com",
            "*.*.example.com",
            "Repo.Example.com",
            "bad..example.com",
            "-x.example.com",
            7,
        ]
    ),
    (
        yours(network=network(allowedDnsNames=["repo.example.com", "repo.example.com"])),
        "network.allowedDnsNames[1]",
        "repeats",
    ),
    (yours(network=network(allowedDnsNames="repo.example.com")), "network.allowedDnsNames", "a list of DNS names"),
    (
        yours(network=network(acceptEndpointsWithoutPolicy=["sts"])),
        "network.acceptEndpointsWithoutPolicy[0]",
        "one of network.interfaceEndpoints",
    ),
    (yours(network=network(dnsQueryLogRetentionDays=10)), "network.dnsQueryLogRetentionDays", "retention periods"),
    # the instances (issue 3)
    (yours(instances=instance(name="web server")), "instances[0].name", "letters, digits"),
    (yours(instances=instance() + instance(grantedTo="Third_Party_B")), "instances[1].name", "repeats instances[0]"),
    (
        yours(instances=[*instance(), {"name": "INSTANCE-A", "grantedTo": "Third_Party_B"}]),
        "instances[1].name",
        "repeats",
    ),
    (yours(instances=[{"id": "i-123", "grantedTo": "Third_Party_A"}]), "instances[0].id", "8 or 17 hex"),
    (yours(instances=[{"id": "i-0123456789ABCDEF0", "grantedTo": "Third_Party_A"}]), "instances[0].id", "8 or 17 hex"),
    (
        yours(
            instances=[
                {"id": "i-01234567", "grantedTo": "Third_Party_A"},
                {"id": "i-01234567", "grantedTo": "Third_Party_B"},
            ]
        ),
        "instances[1].id",
        "repeats",
    ),
    (yours(instances=instance(grantedTo="Third_Party_Z")), "instances[0].grantedTo", "party in thirdParties"),
    (yours(instances=instance(id="i-01234567")), "instances[0]", "exactly one of the two"),
    (yours(instances=[{"grantedTo": "Third_Party_A"}]), "instances[0]", "exactly one of the two"),
    (
        yours(instances=[{"id": "i-01234567", "grantedTo": "Third_Party_A", "subnet": 0}]),
        "instances[0].subnet",
        "new instances only",
    ),
    (yours(instances=instance(subnet=1)), "instances[0].subnet", "from 0 to 0"),
    (yours(instances=instance(instanceType="micro")), "instances[0].instanceType", "instance type"),
    (yours(instances=instance(size="big")), "instances[0].size", "unknown key"),
    # the parties' OS users (issue 3)
    (yours(thirdParties=party(runAsUser="Alice")), "thirdParties[0].runAsUser", "Linux user name"),
    (yours(thirdParties=party(runAsUser="root")), "thirdParties[0].runAsUser", "system account"),
    (yours(thirdParties=party(runAsUser="ec2-user")), "thirdParties[0].runAsUser", "has sudo"),
    (yours(thirdParties=party(runAsUser="ssm-user")), "thirdParties[0].runAsUser", "has sudo"),
    (yours(thirdParties=party(runAsUser="third-party-b")), "thirdParties[1].runAsUser", "its own"),
    # one OS user per person (issue 15)
    (yours(thirdParties=party(osUserPrefix="tpa-")), "thirdParties[0]", "exactly one of the two"),
    (yours(thirdParties=party(runAsUser=None)), "thirdParties[0]", "exactly one of the two"),
    (yours(thirdParties=party(runAsUser=None, osUserPrefix="ssm-")), "thirdParties[0].osUserPrefix", "ssm-user does"),
    (yours(thirdParties=party(runAsUser=None, osUserPrefix="root")), "thirdParties[0].osUserPrefix", "ending in -"),
    (
        yours(thirdParties=party(runAsUser=None, osUserPrefix="third-")),
        "thirdParties[0].osUserPrefix",
        "thirdParties[1].runAsUser third-party-b does",
    ),
    (
        yours(thirdParties=[{**PER_PERSON_B, "name": "Third_Party_A"}, PER_PERSON_B]),
        "thirdParties[0].osUserPrefix",
        "thirdParties[1].osUserPrefix tpb- does",
    ),
    (yours(thirdParties=party(people=["alice"])), "thirdParties[0].people", "goes with osUserPrefix only"),
    (
        yours(thirdParties=party(runAsUser=None, osUserPrefix="tpa-", people=["alice"])),
        "thirdParties[0].people",
        "roleArn and externalId only",
    ),
    (yours(thirdParties=[PARTY_A, EXPLICIT_PER_PERSON_C]), "thirdParties[1].externalId", "expected a secret"),
    # where each party's trust comes from, and until when (issue 4)
    (yours(thirdParties=[{"name": "P", "runAsUser": "p-user"}]), "thirdParties[0]", "exactly one of the two"),
    (
        yours(thirdParties=party(roleArn="arn:aws:iam::444455556666:role/R")),
        "thirdParties[0]",
        "exactly one of the two",
    ),
    (
        yours(
            thirdParties=[{"name": "P", "runAsUser": "p", "roleArn": "arn:aws:iam::4444:role/R", "externalId": "x1"}]
        ),
        "thirdParties[0].roleArn",
        "IAM role ARN",
    ),
    (
        yours(
            thirdParties=[
                {"name": "P", "runAsUser": "p", "roleArn": "arn:aws:iam::444455556666:user/R", "externalId": "x1"}
            ]
        ),
        "thirdParties[0].roleArn",
        "IAM role ARN",
    ),
    (
        yours(
            thirdParties=[
                {"name": "P", "runAsUser": "p", "roleArn": "arn:aws:iam::444455556666:role/R", "externalId": "x1"}
            ]
        ),
        "thirdParties[0].externalId",
        "expected a secret",
    ),
    (yours(thirdParties=party(expires="2027-06-30")), "thirdParties[0].expires", "ISO-8601 UTC"),
    (yours(thirdParties=party(expires="2027-06-30T00:00:00+02:00")), "thirdParties[0].expires", "ISO-8601 UTC"),
    (yours(thirdParties=party(expires="30/06/2027")), "thirdParties[0].expires", "ISO-8601 UTC"),
    (yours(thirdParties=party(expires="2026-11-23T11:59:59Z")), "thirdParties[0].expires", "already past"),
    (
        yours(thirdParties=[PARTY_A, {**PARTY_B, "name": "Third_Party_A"}]),
        "thirdParties[1].name",
        "repeats thirdParties[0]",
    ),
    (
        yours(thirdParties=[PARTY_A, {**PARTY_B, "name": "third party a"}], instances=[]),
        "thirdParties[1].roleName",
        "IAM role names",
    ),
    (yours(thirdParties=party(name="Acme!")), "thirdParties[0].name", "tag value"),
    (yours(thirdParties=party(roleName="bad name")), "thirdParties[0].roleName", "IAM role name"),
    (yours(thirdParties=party(expiry="2027-06-30T00:00:00Z")), "thirdParties[0].expiry", "unknown key"),
    (yours(thirdParties={"name": "P"}), "thirdParties", "list of third parties"),
    # the session preferences (issue 4)
    (yours(session={"idleTimeoutMinutes": 0}), "session.idleTimeoutMinutes", "from 1 to 60"),
    (yours(session={"idleTimeoutMinutes": 61}), "session.idleTimeoutMinutes", "from 1 to 60"),
    (yours(session={"maxDurationMinutes": 1441}), "session.maxDurationMinutes", "from 1 to 1440"),
    (yours(session={"maxDurationMinutes": "an hour"}), "session.maxDurationMinutes", "whole number"),
    (yours(session={"logRetentionDays": 42}), "session.logRetentionDays", "retention periods"),
    (yours(session={"idleTimeout": 5}), "session.idleTimeout", "unknown key"),
    # the tag key
    (yours(tagKey="aws:owner"), "tagKey", "not starting with aws:"),
    (yours(tagKey="x" * 129), "tagKey", "1-128"),
    (yours(tagKey=""), "tagKey", 'got ""'),
    # a private network takes private addresses only
    (yours(network={"vpcCidr": "8.8.0.0/23", "subnetCidrs": ["8.8.0.0/24"]}), "network.vpcCidr", "a public one"),
    (yours(network={"subnetCidrs": ["8.8.0.0/24"]}), "network.subnetCidrs[0]", "a public one"),
]


@pytest.mark.parametrize(("raw", "key", "expectation"), BAD_INPUTS)
def test_each_bad_value_is_one_line_naming_the_key(raw, key, expectation):
    message = error_of(raw)
    assert message.startswith(f"third-party-ec2-access:{key}: ")
    assert expectation in message


@pytest.mark.parametrize("external_id", ["Q", "has space", "semi;colon", "é-accent", "100%secret"])
def test_an_external_id_sts_rejects_is_refused_without_showing_it(external_id):
    entry = {"name": "P", "runAsUser": "p", "roleArn": "arn:aws:iam::444455556666:role/R", "externalId": external_id}
    message = error_of(yours(thirdParties=[entry], instances=[]), frozenset({"thirdParties"}))
    assert message.startswith("third-party-ec2-access:thirdParties[0].externalId: ")
    assert "STS accepts" in message
    assert external_id not in message


def test_numbers_set_with_config_set_path_arrive_as_text_and_are_accepted():
    config = parse(yours(session={"idleTimeoutMinutes": "15", "maxDurationMinutes": "120"}))
    assert (config.session.idle_timeout_minutes, config.session.max_duration_minutes) == (15, 120)


def test_one_os_user_per_person_is_off_by_default_and_per_party():
    config = parse(yours(thirdParties=[PARTY_A, PER_PERSON_B]))
    a, b = config.third_parties
    assert (a.run_as_user, a.os_user_prefix, a.people) == ("third-party-a", None, ())
    assert (b.run_as_user, b.os_user_prefix, b.people) == (None, "tpb-", ())  # its their stack gives its people


def test_a_per_person_party_on_another_backend_names_its_people():
    config = parse(
        yours(thirdParties=[PARTY_A, EXPLICIT_PER_PERSON_C], instances=[]),
        frozenset({"thirdParties"}),
    )
    assert config.third_parties[1].people == ("carol", "dave")


@pytest.mark.parametrize(
    ("people", "key", "expectation"),
    [
        ([], "thirdParties[1].people", "IAM user names of the party's people"),
        (["carol", "carol smith"], "thirdParties[1].people[1]", "IAM user name"),
        (["carol", "Carol.Smith"], "thirdParties[1].people[1]", "Linux user"),
        (["carol", "Carol"], "thirdParties[1].people[1]", "Linux user with thirdParties[1].osUserPrefix tpc-"),
        (["carol", "c" * 29], "thirdParties[1].people[1]", "32 characters in all"),
        (["carol", "dave", "carol"], "thirdParties[1].people[2]", "repeats"),
    ],
)
def test_bad_people_are_one_line_naming_the_person(people, key, expectation):
    party_c = {**EXPLICIT_PER_PERSON_C, "people": people}
    message = error_of(yours(thirdParties=[PARTY_A, party_c], instances=[]), frozenset({"thirdParties"}))
    assert message.startswith(f"third-party-ec2-access:{key}: "), message
    assert expectation in message


def test_names_and_endpoints_the_network_keys_accept():
    config = parse(
        yours(
            network=network(
                allowedDnsNames=["repo.example.com", "*.corp.example.org"],
                acceptEndpointsWithoutPolicy=["ssmmessages"],
                dnsQueryLogRetentionDays=90,
            )
        )
    )
    assert config.network.allowed_dns_names == ("repo.example.com", "*.corp.example.org")
    assert config.network.accept_endpoints_without_policy == ("ssmmessages",)
    assert config.network.dns_query_log_retention_days == 90


def test_the_typed_values_carry_where_they_stand_in_config():
    """The stacks name these keys in the errors AWS or a their stack reveal later; they never build a path."""
    raw = yours(
        network={"interfaceEndpoints": ["ssm", "ssmmessages", "logs", "kms", "sts"]},
        instances=[
            {"name": "instance-a", "grantedTo": "Third_Party_A"},
            {"id": "i-01234567", "grantedTo": "Third_Party_B"},
        ],
    )
    config = parse(raw)
    assert config.third_parties[1].config_keys == PartyKeys(
        entry="thirdParties[1]",
        name="thirdParties[1].name",
        stack="thirdParties[1].stack",
        customer="thirdParties[1].customer",
        role_arn="thirdParties[1].roleArn",
        os_user_prefix="thirdParties[1].osUserPrefix",
        ports="thirdParties[1].ports",
    )
    assert config.network.config_keys == NetworkKeys(
        subnet_cidrs="network.subnetCidrs",
        interface_endpoints=tuple(f"network.interfaceEndpoints[{index}]" for index in range(5)),
        accept_endpoints_without_policy="network.acceptEndpointsWithoutPolicy",
    )
    assert config.existing_instances[0].config_key == "instances[1].id"
