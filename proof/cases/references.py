"""Where AWS documents each rule the decision cases rely on: a case's ``reference``."""

SOURCE_IDENTITY = "IAM User Guide: Monitor and control actions taken with assumed roles (sts:SourceIdentity)"
EXTERNAL_ID = "IAM User Guide: Access to AWS accounts owned by third parties (the ExternalId)"
MFA = "IAM User Guide: Configuring MFA-protected API access (aws:MultiFactorAuthPresent)"
SESSION_NAME = "Service Authorization Reference, AWS STS: sts:RoleSessionName on AssumeRole"
SESSION_TAGS = "IAM User Guide: Passing session tags in AWS STS (sts:TagSession needs its own grant)"
TRUST = "IAM User Guide: Cross-account policy evaluation logic (the role's trust must name the caller)"
ABAC = "Systems Manager User Guide: Additional sample IAM policies for Session Manager (tag-based access)"
DOCUMENT_CHECK = "Systems Manager User Guide: Enforce a session document permission check"
OWN_SESSIONS = "Systems Manager User Guide: Allow users to end only sessions they started (federated users)"
DATA_CHANNEL = (
    "Systems Manager User Guide: Quickstart end user policies for Session Manager (ssmmessages:OpenDataChannel "
    "on the session); AWS CLI Command Reference: ssm describe-sessions (a session id is its session name and a "
    "suffix)"
)
EXPLICIT_DENY = "IAM User Guide: Policy evaluation logic (an explicit deny overrides every allow)"
NOT_GRANTED = "IAM User Guide: Policy evaluation logic (what no policy allows is implicitly denied)"
SESSION_KEY = "Systems Manager User Guide: Quickstart default IAM policies (kms:GenerateDataKey, kms:Decrypt)"
SESSION_LOGS = "Systems Manager User Guide: Logging session data using Amazon CloudWatch Logs"
AGENT = "Systems Manager User Guide: Create a custom IAM role for Session Manager"
DATA_PERIMETER = "IAM User Guide: aws:Ec2InstanceSourceVpc and aws:Ec2InstanceSourcePrivateIPv4"
ENDPOINT_POLICY = "AWS PrivateLink Guide: Control access to VPC endpoints using endpoint policies"
EXPIRY = "IAM User Guide: Date condition operators (aws:CurrentTime)"
SWEEPER = "Service Authorization Reference, Systems Manager: ssm:TerminateSession and its session-id tag"
RUN_AS_SESSION_TAG = (
    "Systems Manager User Guide: Turn on Run As support (SSMSessionRunAs); AWS STS AssumeRole, Tags "
    "(a session tag overrides the role's tag of the same key)"
)
TAG_CONDITIONS = "IAM User Guide: Passing session tags in AWS STS (aws:RequestTag, aws:TagKeys on sts:TagSession)"
AGENT_REGISTERS = f"{AGENT}; aws/amazon-ssm-agent agent/ssm/service.go (UpdateInstanceInformation)"
AGENT_CONTROL_CHANNEL = f"{AGENT}; aws/amazon-ssm-agent agent/session/controlchannel/controlchannel.go"
AGENT_DATA_CHANNEL = f"{AGENT}; aws/amazon-ssm-agent agent/session/datachannel/datachannel.go"
AGENT_MESSAGES = (
    "Systems Manager User Guide: Reference: ec2messages, ssmmessages, and other API operations; "
    "aws/amazon-ssm-agent agent/runcommand/mds/service.go"
)
AGENT_ASSOCIATIONS = (
    "Systems Manager User Guide: Reference: ec2messages, ssmmessages, and other API operations; aws/amazon-ssm-agent "
    "agent/association/service/service.go, agent/association/compliance/uploader/uploader.go"
)
AGENT_STREAMS_LOGS = (
    f"{SESSION_LOGS}; aws/amazon-ssm-agent agent/agentlogstocloudwatch/cloudwatchlogspublisher/cloudwatchlogsservice.go"
)
AGENT_BUCKETS = (
    "Systems Manager User Guide: SSM Agent communications with AWS managed S3 buckets; aws/amazon-ssm-agent "
    "agent/fileutil/artifact/artifact.go (a signed s3:GetObject), core/app/selfupdate/constants.go "
    "(amazon-ssm-{Region})"
)
PEOPLE = (
    "IAM User Guide: Monitor and control actions taken with assumed roles (aws:SourceIdentity is in every request "
    "of the session); IAM JSON policy elements: Condition operators (a negated operator matches a missing key)"
)
TRUST_QUOTA = "IAM User Guide: IAM and AWS STS quotas (a role trust policy: 2,048 characters, 4,096 on request)"
