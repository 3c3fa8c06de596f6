"""Compound gates in epidemic mode (五个一): duty roster, pass checks, visitor register."""
