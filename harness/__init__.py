"""claims-harness: turn published claims about language models into empirical verdicts.

The data path is one straight line (see README): YAML task -> items -> requests -> backend
outputs -> metrics -> results store -> statistics -> claim verdicts -> report.
"""

__version__ = "0.1.0"
