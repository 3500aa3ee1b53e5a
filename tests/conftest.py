r"""Shared pytest set-up.

Hypothesis' per-example deadline (200 ms by default) is switched off: speed is measured
by ``make bench``, not by timed tests, and a busy machine must not fail a correct property.
"""

from hypothesis import settings

settings.register_profile("backprop-by-hand", deadline=None)
settings.load_profile("backprop-by-hand")
