"""The kinds of theme and the dimensions themes break down by, in a module without dependencies, so
the command line's help can name them without importing pandas (see :mod:`bullseye.people.themes`)."""

from __future__ import annotations

__all__ = ["KINDS", "VOICE_KINDS", "GROUP_DIMENSIONS"]

#: Theme kinds, in the order reports show them.
KINDS = ("pain", "objection", "goal", "source", "other")
#: The kinds that are the customer's voice; "other" is everything else said in notes (next steps,
#: call logistics, win/loss summaries, survey comments without a cue).
VOICE_KINDS = ("pain", "objection", "goal", "source")
GROUP_DIMENSIONS = ("role", "function")
