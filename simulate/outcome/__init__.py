"""Stage 4, the outcome: tallies to probabilities, intervals and the call.

:func:`~simulate.outcome.runner.run` drives one count through the model and
the engine; :mod:`~simulate.outcome.summary` and :mod:`~simulate.outcome.calls`
turn the tally into a frozen :class:`~simulate.outcome.results.RaceResult`.
"""
