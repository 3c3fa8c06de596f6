"""
Shared tamper-evident ledger (防疫账簿): an RFC 9162 transparency log with witnessed checkpoints.
"""
