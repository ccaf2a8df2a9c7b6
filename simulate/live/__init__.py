"""Election night, live: follow a results feed release by release.

``sources`` turns a feed (a URL, a file or folder updated in place, an archive of
snapshots) into releases; ``store`` keeps every release, result, standing call and
event in SQLite; ``events`` says what changed; ``watch`` runs the loop and
rewrites the results pages (:mod:`simulate.report.page`) after each release.
"""
