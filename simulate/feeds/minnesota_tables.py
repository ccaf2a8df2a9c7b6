"""Error tables of the Minnesota precinct-based remaining-vote estimate: truth ÷ raw estimate by share counted.

Fitted with :func:`simulate.model.expected_vote.fit_error_table` (with the count-noise
dispersion) on the records of :func:`simulate.feeds.minnesota_history.minnesota_history`
(every contest, every release before certification at which its count changed). The floor
(late ballots once every precinct has reported) is the 99th percentile of late ballots as a
share of the count, for contests of up to 5,000 votes and above: absentee ballots keep
arriving after 100% of precincts report. ``floor_ages`` is the same floor by hours since
the contest first showed every precinct in (one record per contest and age,
:func:`~simulate.model.expected_vote.fit_late_floor`). A backtest of one election uses the table fitted
on the other ("not 2022-11-08" is fitted on 2020); live imports use the pooled one. Written by ``python -m simulate.feeds.refit minnesota``
(:mod:`simulate.feeds.refit`).
"""
import math

from ..model.expected_vote import Band, ErrorTable

INF = math.inf

TABLES = {
    'not 2022-11-08': ErrorTable('precincts', (
        Band(0.5, 1.1476, 0.3366, 3.7687, 2488),
        Band(0.8, 1.0557, 0.5326, 2.7375, 1818),
        Band(0.9, 1.1662, 0.5116, 4.2896, 748),
        Band(0.95, 1.1569, 0.3463, 5.0728, 617),
        Band(0.98, 1.7502, 0.5181, 8.2839, 424),
        Band(1.0, 9.7, 1.6826, 28.2099, 1200),
    ), 0.000417, 0.284813, 'Minnesota 2020 general', 0.0, ((5000.0, 0.000346, 4.245078),),
        floor_ages=(
        (0.0, 5000.0, 0.000754, 26.75193),
        (0.0, INF, 0.007156, 0.686786),
        (3.0, 5000.0, 0.00065, 4.142797),
        (3.0, INF, 0.003542, 0.177039),
        (6.0, 5000.0, 0.000618, 0.637644),
        (6.0, INF, 0.003599, 0.18297),
        (12.0, 5000.0, 0.000607, 0.150921),
        (12.0, INF, 0.003158, 0.147064),
        (24.0, 5000.0, 0.000481, 0.106674),
        (24.0, INF, 0.000703, 0.051132),
        (60.0, 5000.0, 0.000293, 0.015085),
        (60.0, INF, 0.000378, 0.01402),
        (84.0, 5000.0, 0.0, 0.002806),
        (84.0, INF, 0.000314, 0.004638),
    )),
    'not 2020-11-03': ErrorTable('precincts', (
        Band(0.5, 1.2832, 0.3617, 7.8694, 3792),
        Band(0.8, 0.911, 0.2769, 2.9298, 2351),
        Band(0.9, 0.7658, 0.1964, 2.3157, 1131),
        Band(0.95, 0.6643, 0.0872, 2.4929, 749),
        Band(0.98, 0.6241, 0.0664, 2.5869, 561),
        Band(1.0, 1.0162, 0.2646, 2.781, 384),
    ), 0.0, 0.014683, 'Minnesota 2022 general', 0.0, ((5000.0, 0.0, 0.434035),),
        floor_ages=(
        (0.0, 5000.0, 0.0, 0.587374),
        (0.0, INF, 0.0, 0.018055),
        (3.0, 5000.0, 0.0, 0.327145),
        (3.0, INF, 0.0, 0.01811),
        (6.0, 5000.0, 0.0, 0.028853),
        (6.0, INF, 0.0, 0.016911),
        (12.0, 5000.0, 0.0, 0.011955),
        (12.0, INF, 0.0, 0.009674),
        (24.0, 5000.0, 0.0, 0.0),
        (24.0, INF, 0.0, 0.000558),
        (60.0, 5000.0, 0.0, 0.0),
        (60.0, INF, 0.0, 0.000381),
        (84.0, 5000.0, 0.0, 0.0),
        (84.0, INF, 0.0, 0.000381),
    )),
    'pooled': ErrorTable('precincts', (
        Band(0.5, 1.2094, 0.3478, 6.0612, 6280),
        Band(0.8, 1.0129, 0.3405, 2.8967, 4169),
        Band(0.9, 0.998, 0.2478, 2.7634, 1879),
        Band(0.95, 0.9363, 0.1684, 3.1378, 1366),
        Band(0.98, 1.167, 0.1586, 4.5863, 985),
        Band(1.0, 6.5748, 0.3255, 27.7102, 1584),
    ), 0.000209, 0.205666, 'Minnesota 2020 and 2022 general', 0.0, ((5000.0, 0.0, 2.73779),),
        floor_ages=(
        (0.0, 5000.0, 0.000754, 26.75193),
        (0.0, INF, 0.007156, 0.686786),
        (3.0, 5000.0, 0.00065, 4.142797),
        (3.0, INF, 0.003542, 0.177039),
        (6.0, 5000.0, 0.000618, 0.637644),
        (6.0, INF, 0.003599, 0.18297),
        (12.0, 5000.0, 0.000607, 0.150921),
        (12.0, INF, 0.003158, 0.147064),
        (24.0, 5000.0, 0.000481, 0.106674),
        (24.0, INF, 0.000703, 0.051132),
        (60.0, 5000.0, 0.000293, 0.015085),
        (60.0, INF, 0.000378, 0.01402),
        (84.0, 5000.0, 0.0, 0.002806),
        (84.0, INF, 0.000314, 0.004638),
    )),
}
