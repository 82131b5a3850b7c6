"""AWS CLI credential_process helper for third-party-ec2-access: chains a user into your session role."""
