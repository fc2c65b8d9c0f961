"""Segment discovery: attributes encoded as selectors, a conjunction search over them, and the
protocol that says how far to trust what it finds.

- ``encode``: attributes to selectors with packed row bitsets and atom partitions.
- ``kernel``: the search (binary, numeric and survival targets) and the redundancy filter.
- ``engine``: discovery per outcome on the discovery part; ``significance``: the family-wise tests,
  the holdout's confirmation and the evidence words; ``propose``: the draft ICP.

Import the submodules themselves: the kernel compiles with numba, which the CLI only loads when a
search runs.
"""

__all__: list[str] = []
