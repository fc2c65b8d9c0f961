"""A demo company with known truth: CRM exports of a route-optimisation SaaS vendor in Brazil.

``generate_company(out_dir, n_accounts, seed)`` writes the exports and ``truth.json`` (what a correct
analysis should find) and returns the truth as a dict.
"""

from bullseye.demo.company import (
    AS_OF,
    HISTORY_START,
    MODEL,
    NOISE_ATTRIBUTES,
    generate_company,
)

__all__ = ["generate_company", "AS_OF", "HISTORY_START", "MODEL", "NOISE_ATTRIBUTES"]
