"""`python -m bullseye.cli`: the same as the `bullseye` command."""

from bullseye.cli import main

main()
