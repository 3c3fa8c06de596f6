"""Epidemic mode: arrivals, check-ins, test results, health status from declared rules,
signed passes verified offline, home quarantine and contact tracing.

``rules``, ``passes`` and ``tracing`` are plain modules with no Django imports so that
they can be tested and benchmarked alone.
"""
