"""The contract both stacks, the helper and the policy pack share: its derivations, and the copies of its
values the helper and the policy pack carry, compared with the original."""

import pytest
from third_party_ec2_access_credentials import chain
from third_party_ec2_access_credentials import cli as helper_cli

from components import contract
from components.arns import iam_role_arn
from components.config import ConfigError
from components.config.checks import check_os_user_prefix
from components.contract import cli_profile_name, derive_session_role_name
from policy_pack import security_bar


def test_session_role_name_follows_the_seed():
    # The seed README: Third_Party_A assumes SSMStartSession_IAM_Role_ThirdPartyA.
    assert derive_session_role_name("Third_Party_A") == "SSMStartSession_IAM_Role_ThirdPartyA"


def test_session_role_name_keeps_only_ascii_letters_and_digits():
    assert derive_session_role_name("Acme Corp. (EU)/2") == "SSMStartSession_IAM_Role_AcmeCorpEU2"
    assert derive_session_role_name("Société-7") == "SSMStartSession_IAM_Role_Socit7"


def test_cli_profile_name_is_lowercase_words_joined_by_hyphens():
    assert cli_profile_name("Third_Party_A") == "third-party-a"
    assert cli_profile_name("  Acme::Corp  ") == "acme-corp"


def test_cli_profile_name_of_a_customer_of_a_stack_serving_several_ends_in_its_name():
    assert cli_profile_name("Vendor_Co", "globex") == "vendor-co-globex"
    assert cli_profile_name("Vendor Co", "acme") == "vendor-co-acme"
    assert cli_profile_name("日本", "acme") == "acme"  # no ASCII word: the customer's name alone


def test_role_arn_uses_the_given_partition():
    assert iam_role_arn("aws-cn", "111122223333", "R") == "arn:aws-cn:iam::111122223333:role/R"


# -- the copies the helper and the policy pack carry (neither can import the program) ------------------


def test_the_helper_asks_for_the_chained_session_the_session_role_allows():
    assert chain.CHAINED_SESSION_SECONDS == contract.CHAINED_SESSION_SECONDS


def test_the_helper_tags_sessions_with_the_run_as_tag_and_names_os_users_as_the_program_does():
    from third_party_ec2_access_credentials.model import ChainRequest

    request = ChainRequest("arn:local", "arn:yours", "extid-123", os_user_prefix="tpb-")
    assert chain.RUN_AS_TAG == contract.RUN_AS_TAG
    assert request.os_user("alice") == contract.person_os_user("tpb-", "alice")


def test_the_helper_checks_external_ids_as_the_yours_config_does():
    assert helper_cli.EXTERNAL_ID_PATTERN == contract.EXTERNAL_ID_PATTERN


def test_the_policy_pack_knows_the_run_as_tag_and_the_default_tag_key():
    assert (security_bar.RUN_AS_TAG, security_bar.DEFAULT_TAG_KEY) == (contract.RUN_AS_TAG, contract.DEFAULT_TAG_KEY)


PREFIXES = ["tpa-", "tpb_", "_x-", "t-", "t" * 29 + "-", "t" * 30 + "-", "tpb", "TPB-", "-", "-a-", "a*-", "${x}-"]
RESERVED_PREFIXES = ["ec2-", "ssm-", "systemd-", "systemd-x-", "ec2_", "ssm_"]
"""The sudo and systemd accounts start with the first four; the last two start none."""


@pytest.mark.parametrize("prefix", PREFIXES + RESERVED_PREFIXES)
def test_the_policy_pack_accepts_the_os_user_prefixes_the_config_accepts(prefix):
    try:
        check_os_user_prefix("osUserPrefix", prefix)
        config_accepts = True
    except ConfigError:
        config_accepts = False
    pack_accepts = security_bar._own_os_user_problem([prefix + security_bar.SOURCE_IDENTITY]) is None
    assert pack_accepts == config_accepts
