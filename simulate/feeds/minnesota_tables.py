"""Error tables of the Minnesota precinct-based remaining-vote estimate (see minnesota.py)."""
from ..model.expected_vote import Band, ErrorTable

# Provisional until fitted (replaced by the fitted tables below).
TABLES = {
    "pooled": ErrorTable("precincts", (Band(0.5, 1.0, 0.3, 3.0), Band(0.8, 1.0, 0.3, 3.0), Band(0.9, 1.0, 0.3, 3.0),
                                       Band(0.95, 1.0, 0.3, 3.0), Band(0.98, 1.0, 0.3, 3.0), Band(1.0, 1.0, 0.3, 3.0)),
                         0.002, 0.02, "provisional"),
}
