from components.arns import iam_role_arn
from components.naming import cli_profile_name, derive_session_role_name


def test_session_role_name_follows_the_seed():
    # The seed README: Third_Party_A assumes SSMStartSession_IAM_Role_ThirdPartyA.
    assert derive_session_role_name("Third_Party_A") == "SSMStartSession_IAM_Role_ThirdPartyA"


def test_session_role_name_keeps_only_ascii_letters_and_digits():
    assert derive_session_role_name("Acme Corp. (EU)/2") == "SSMStartSession_IAM_Role_AcmeCorpEU2"
    assert derive_session_role_name("Société-7") == "SSMStartSession_IAM_Role_Socit7"


def test_cli_profile_name_is_lowercase_words_joined_by_hyphens():
    assert cli_profile_name("Third_Party_A") == "third-party-a"
    assert cli_profile_name("  Acme::Corp  ") == "acme-corp"


def test_role_arn_uses_the_given_partition():
    assert iam_role_arn("aws-cn", "111122223333", "R") == "arn:aws-cn:iam::111122223333:role/R"
