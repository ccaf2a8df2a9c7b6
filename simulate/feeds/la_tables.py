"""Apportioning error tables for Los Angeles County: truth ÷ apportioned estimate by share counted.

Fitted with :func:`simulate.model.expected_vote.fit_error_table` (with the count-noise
dispersion) on :func:`simulate.feeds.la_expected.apportion_records` of the 2024 timeframes
files (the true countywide remaining apportioned: the apportioning error alone); the floor
is the last release-to-release step as a share of the count (median, 95th percentile). A
backtest of one election uses the table of the other ("not general" is fitted on the
primary). Written by ``python -m simulate.feeds.refit la`` (:mod:`simulate.feeds.refit`).
"""
from ..model.expected_vote import Band, ErrorTable

TABLES = {
    'not general': ErrorTable('apportioned', (
        Band(0.5, 0.9868, 0.7836, 1.2941, 332),
        Band(0.8, 0.9788, 0.6703, 1.2083, 664),
        Band(0.9, 0.9164, 0.5861, 1.3565, 332),
        Band(0.95, 0.9431, 0.5652, 1.3256, 166),
        Band(0.98, 0.9431, 0.5652, 1.3256, 166),
        Band(1.0, 0.8776, 0.4549, 1.6275, 325),
    ), 0.001764, 0.003841, 'LA County 2024 primary', 6.166),
    'not primary': ErrorTable('apportioned', (
        Band(0.5, 0.98, 0.6171, 1.6362, 369),
        Band(0.8, 0.9959, 0.6132, 1.5152, 1845),
        Band(0.9, 0.9812, 0.5865, 1.5118, 738),
        Band(0.95, 0.943, 0.5788, 1.4932, 369),
        Band(0.98, 0.9068, 0.5699, 1.4134, 369),
        Band(1.0, 0.7836, 0.3773, 1.3772, 1104),
    ), 0.003181, 0.005714, 'LA County 2024 general', 4.687),
    'pooled': ErrorTable('apportioned', (
        Band(0.5, 0.9832, 0.6712, 1.4965, 701),
        Band(0.8, 0.9874, 0.6302, 1.4562, 2509),
        Band(0.9, 0.9643, 0.5852, 1.4361, 1070),
        Band(0.95, 0.943, 0.5696, 1.471, 535),
        Band(0.98, 0.9068, 0.5699, 1.4134, 369),
        Band(1.0, 0.8199, 0.396, 1.4126, 1429),
    ), 0.00246, 0.00551, 'LA County 2024 primary and general', 5.21),
}
