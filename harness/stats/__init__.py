"""Statistics over item-level scores: intervals, paired tests, emergence diagnostics."""

from harness.stats.intervals import Estimate, bootstrap_mean_ci, estimate, wilson_ci

__all__ = ["Estimate", "bootstrap_mean_ci", "estimate", "wilson_ci"]
