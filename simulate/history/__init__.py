"""Stage 5, the history: a count's snapshots replayed, backtested, scored and calibrated.

Replays flag calls taken back; backtests score every release of contests whose
result is known; calibration fits the model's defaults on them.
"""
