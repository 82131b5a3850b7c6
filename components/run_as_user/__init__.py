"""The Run As OS users: the converge script each instance runs, per platform, and its builder."""
