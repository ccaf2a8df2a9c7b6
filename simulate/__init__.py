"""racecall: election-night outcome simulation.

Can the trailing candidate still catch up?  Will the leader clear 50%?  Can
the race be called?  Load a scenario, run it, read the result::

    import simulate
    scenario = simulate.load_scenario("scenarios/la-da-2020-primary.yaml")
    result = simulate.run(scenario)
    print(result.call.sentence)

A count flows down the stages: ``scenario`` (read and check the file) ->
``model`` (the kernel's inputs) -> ``engine`` (the compiled Monte Carlo) ->
``outcome`` (probabilities and the call) -> ``history`` (replays, backtests,
calibration); ``feeds`` read results files, ``report`` and ``cli`` are the edges.

Importing this package compiles nothing; the first run loads (or builds and
caches) the compiled kernel.
"""

from .errors import RacecallError, ScenarioError
from .history.replay import Replay, replay
from .outcome.results import Call, CandidateResult, Hurdle, RaceResult, ShareInterval
from .outcome.runner import run, run_many
from .scenario.loader import load_scenario, load_scenario_dict
from .scenario.records import Candidate, Count, Model, Race, Remaining, Scenario, Simulation

__all__ = [
    "Call", "Candidate", "CandidateResult", "Count", "Hurdle", "Model", "Race", "RaceResult",
    "RacecallError", "Remaining", "Replay", "Scenario", "ScenarioError", "ShareInterval",
    "Simulation", "load_scenario", "load_scenario_dict", "replay", "run", "run_many",
]
__version__ = "0.1.0"
