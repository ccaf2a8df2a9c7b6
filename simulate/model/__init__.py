"""Stage 2, the model: turn a scenario's count into the compiled kernel's flat inputs.

The lump model (:mod:`~simulate.model.lump`), the units model by vote type and
unit (:mod:`~simulate.model.units`), the histogram ranges of the final shares,
and the late-shift statistics the defaults are fitted from.  Hands the engine
plain arrays and scalars.
"""
