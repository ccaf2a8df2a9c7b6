"""Apportioning error tables for Los Angeles County (fitted: see la_expected.py and the README)."""
from ..model.expected_vote import Band, ErrorTable

# Provisional until fitted.
_P = ErrorTable("apportioned", tuple(Band(u, 1.0, 0.5, 2.0) for u in (0.5, 0.8, 0.9, 0.95, 0.98, 1.0)),
                0.0005, 0.01, "provisional")
TABLES = {"primary": _P, "general": _P, "pooled": _P}
