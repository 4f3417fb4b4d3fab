"""Statistics over item-level scores: intervals, paired tests, power, scaling fits, emergence diagnostics."""

from harness.stats.emergence import EmergenceCell, emergence_cell, emergence_score
from harness.stats.intervals import Estimate, bootstrap_mean_ci, estimate, wilson_ci
from harness.stats.multiple import benjamini_hochberg, holm
from harness.stats.paired import (
    Equivalence, PairedResult, exact_conditional_ci, mcnemar_test, newcombe_paired_ci, paired_counts, paired_bootstrap, paired_compare, tost_paired_binary, tost_paired_mean,
)
from harness.stats.power import mde_paired, mde_proportion, n_paired, resolution, zero_check, zero_upper_bound
from harness.stats.scaling import fit_breakpoint, fit_linear, fit_logistic, holdout_calibration, leave_largest_out, sizes_for_holdout

__all__ = [
    "Equivalence", "exact_conditional_ci", "newcombe_paired_ci", "paired_counts", "holm", "holdout_calibration", "mde_paired", "n_paired", "sizes_for_holdout", "tost_paired_binary",
    "tost_paired_mean", "EmergenceCell", "Estimate", "PairedResult", "benjamini_hochberg", "bootstrap_mean_ci", "emergence_cell", "emergence_score",
    "estimate", "fit_breakpoint", "fit_linear", "fit_logistic", "leave_largest_out", "mcnemar_test", "mde_proportion",
    "paired_bootstrap", "paired_compare", "resolution", "wilson_ci", "zero_check", "zero_upper_bound",
]
