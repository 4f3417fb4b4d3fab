"""Statistics over item-level scores: intervals, paired tests, power, scaling fits, emergence diagnostics."""

from harness.stats.emergence import EmergenceCell, emergence_cell, emergence_score
from harness.stats.intervals import Estimate, bootstrap_mean_ci, estimate, wilson_ci
from harness.stats.multiple import benjamini_hochberg
from harness.stats.paired import PairedResult, mcnemar_test, paired_bootstrap, paired_compare
from harness.stats.power import mde_proportion, resolution, zero_check, zero_upper_bound
from harness.stats.scaling import fit_breakpoint, fit_linear, fit_logistic, leave_largest_out

__all__ = [
    "EmergenceCell", "Estimate", "PairedResult", "benjamini_hochberg", "bootstrap_mean_ci", "emergence_cell", "emergence_score",
    "estimate", "fit_breakpoint", "fit_linear", "fit_logistic", "leave_largest_out", "mcnemar_test", "mde_proportion",
    "paired_bootstrap", "paired_compare", "resolution", "wilson_ci", "zero_check", "zero_upper_bound",
]
