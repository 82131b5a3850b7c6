"""AWS CLI credential_process helper of third-party-ec2-access: chains your user into the role you were granted."""

__version__ = "0.4.0"
