"""Claims: the registry (catalogue + pre-registered decision rules) and the verdicts a run supports."""

from harness.claims.catalogue import Catalogue, Claim, Untestable, load_catalogue
from harness.claims.rules import Rule, load_rules, validate_rules
from harness.claims.verdicts import Verdict, evaluate_all

__all__ = ["Catalogue", "Claim", "Rule", "Untestable", "Verdict", "evaluate_all", "load_catalogue", "load_rules", "validate_rules"]
