"""The deploy runbook's phases and their bookkeeping (pure: no device or cluster I/O)."""
