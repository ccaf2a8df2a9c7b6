"""Error tables of the Minnesota precinct-based remaining-vote estimate: truth ÷ raw estimate by share counted.

Fitted with :func:`simulate.model.expected_vote.fit_error_table` on the records of
:func:`simulate.feeds.minnesota_history.minnesota_history` (every contest, every release
before certification at which its count changed). A backtest of one election uses the table
fitted on the other ("not 2022-11-08" is fitted on 2020); live imports use the pooled one.
"""
from ..model.expected_vote import Band, ErrorTable

TABLES = {
    'not 2020-11-03': ErrorTable('precincts', (
        Band(0.5, 1.2832, 0.3617, 7.8694, 3792),
        Band(0.8, 0.911, 0.2769, 2.9298, 2351),
        Band(0.9, 0.7658, 0.1964, 2.3157, 1131),
        Band(0.95, 0.6643, 0.0872, 2.4929, 749),
        Band(0.98, 0.6241, 0.0664, 2.5869, 561),
        Band(1.0, 1.0162, 0.2646, 2.781, 384),
    ), 0.0, 0.002382, 'Minnesota 2022 general'),
    'pooled': ErrorTable('precincts', (
        Band(0.5, 1.2832, 0.3617, 7.8694, 3792),
        Band(0.8, 0.911, 0.2769, 2.9298, 2351),
        Band(0.9, 0.7658, 0.1964, 2.3157, 1131),
        Band(0.95, 0.6643, 0.0872, 2.4929, 749),
        Band(0.98, 0.6241, 0.0664, 2.5869, 561),
        Band(1.0, 1.0162, 0.2646, 2.781, 384),
    ), 0.0, 0.002382, 'Minnesota 2022 general'),
}
