"""One release of a results feed, as the live commands and the backtests consume it.

A feed (the Minnesota Secretary of State's media files, the Los Angeles County
registrar's timeframes) is a sequence of releases. Each :class:`Release` carries
every contest's scenario mapping *as known at that release*: ``count.counted`` is
the count then, ``count.remaining`` is an expected-vote estimate built only from
what was published by then (:mod:`simulate.model.expected_vote`), and there are no
``snapshots`` and no ``final``. Each mapping passes :func:`simulate.load_scenario_dict`.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Release:
    """One release of a feed.

    Attributes
    ----------
    as_of : str
        When the release was published (ISO 8601 with the UTC offset).
    key : str
        Unique within the feed and sortable in release order (a folder name, a
        release number padded with zeros).
    final : bool
        True only when the feed (or the authority behind it) says the count is final
        or certified; then every contest's ``remaining`` is ``{"estimate": 0}``.
    contests : tuple of (str, dict)
        ``(contest slug, scenario mapping)`` pairs; slugs are stable across releases.
    """
    as_of: str
    key: str
    final: bool
    contests: tuple[tuple[str, dict], ...]

    def contest(self, slug: str) -> dict:
        """The scenario mapping of one contest; raises KeyError when absent."""
        for name, scenario in self.contests:
            if name == slug:
                return scenario
        raise KeyError(slug)
