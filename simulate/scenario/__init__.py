"""Stage 1, the scenario: read a scenario file and check it completely against one schema.

Hands the next stage frozen dataclasses (:class:`~simulate.scenario.records.Scenario`):
the race, its candidates, the count (lump or units) and its history, the model's
settings; every default lives in :mod:`simulate.scenario.schema`.
"""
