"""Prepares a home where the credentials helper answers from its cache, and prints the command to time.

    uv run python benchmarks/helper_cache_hit.py /tmp/helper-home
    # then time the printed command against the interpreter alone, e.g. with hyperfine:
    hyperfine --warmup 3 "$(uv run python benchmarks/helper_cache_hit.py /tmp/helper-home)" "python3 -c pass"

The AWS CLI runs the helper on every command, so a cache hit is what people wait for most often.
"""

from __future__ import annotations

import shlex
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from third_party_ec2_access_credentials.cache import CredentialCache
from third_party_ec2_access_credentials.cli import DEFAULT_CACHE
from third_party_ec2_access_credentials.model import ChainRequest, Credentials

LOCAL_ROLE = "arn:aws:iam::222233334444:role/3P_IAM_Assume_Role"
YOUR_ROLE = "arn:aws:iam::111122223333:role/SSMStartSession_IAM_Role_ThirdPartyA"
EXTERNAL_ID = "benchmark-external-id"


def main() -> None:
    home = Path(sys.argv[1])
    external_id = home / ".aws" / "third-party-ec2-access" / "third-party-a.external-id"
    external_id.parent.mkdir(parents=True, exist_ok=True)
    external_id.write_text(EXTERNAL_ID)
    external_id.chmod(0o600)
    request = ChainRequest(LOCAL_ROLE, YOUR_ROLE, EXTERNAL_ID)
    cache = CredentialCache(DEFAULT_CACHE.replace("~", str(home)), "third-party-a-source", request)
    cache.store(Credentials("ASIABENCHMARK", "secret", "token", datetime.now(UTC) + timedelta(minutes=50)))
    helper = Path(sys.executable).parent / "third-party-ec2-access-credentials"
    chain = ["--local-role-arn", LOCAL_ROLE, "--your-role-arn", YOUR_ROLE, "--external-id-file", str(external_id)]
    print(
        shlex.join(
            ["env", f"HOME={home}", str(helper), "credentials", "--source-profile", "third-party-a-source", *chain]
        )
    )


if __name__ == "__main__":
    main()
