from third_party_ec2_access_credentials.cli import main

raise SystemExit(main())
