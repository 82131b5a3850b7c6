"""third-party-ec2-access: builds the their or the yours side, as the stack's ``account`` config says, judging
expiry dates at the deployment's own time."""

from components.config import current_time
from stacks import run_program

run_program(now=current_time())
