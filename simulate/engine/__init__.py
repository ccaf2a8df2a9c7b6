"""Stage 3, the engine: the only compiled code.

The Monte Carlo kernel, its random variates and streams, the Numba settings,
and the block driver that spreads blocks over threads and adds up exact
counts.  Hands the outcome stage a :class:`~simulate.engine.driver.Tally`.
"""
