"""Compiled random variates on explicit generator state (private).

The generator is xoshiro256++ (Blackman & Vigna): 256 bits of state held in a
``uint64[4]`` array owned by one block of draws, so no global RNG state is
ever touched.  Block states come from :func:`simulate.streams.block_states`.

Variates: uniform doubles (53 bits), standard normals by a 256-layer ziggurat
(Marsaglia & Tsang 2000, in the double-precision layout NumPy uses), gammas by
Marsaglia & Tsang's squeeze method, and binomials that are exact below
``simulate.model.NORMAL_MIN_VARIANCE`` and a rounded Cornish-Fisher normal above.
"""

from __future__ import annotations

import math

import numpy as np

from ._numba import jit

_ZIG_R = 3.6541528853610088
_ZIG_V = 0.00492867323399


def _ziggurat_tables():
    m1 = 2.0**52
    ki = np.zeros(256, dtype=np.uint64)
    wi = np.zeros(256)
    fi = np.zeros(256)
    dn = tn = _ZIG_R
    q = _ZIG_V / math.exp(-0.5 * dn * dn)
    ki[0] = np.uint64((dn / q) * m1)
    wi[0] = q / m1
    wi[255] = dn / m1
    fi[0] = 1.0
    fi[255] = math.exp(-0.5 * dn * dn)
    for i in range(254, 0, -1):
        dn = math.sqrt(-2.0 * math.log(_ZIG_V / dn + math.exp(-0.5 * dn * dn)))
        ki[i + 1] = np.uint64((dn / tn) * m1)
        tn = dn
        fi[i] = math.exp(-0.5 * dn * dn)
        wi[i] = dn / m1
    return ki, wi, fi


_KI, _WI, _FI = _ziggurat_tables()
_U53 = 1.0 / 9007199254740992.0
_NORMAL_MIN_VARIANCE = 1_000.0  # simulate.model.NORMAL_MIN_VARIANCE (kept equal by a test)


@jit
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@jit
def next_u64(s):
    """Next 64 random bits from xoshiro256++ state ``s`` (uint64[4], updated in place)."""
    result = _rotl(s[0] + s[3], 23) + s[0]
    t = s[1] << np.uint64(17)
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return result


@jit
def uniform(s):
    """A double uniform on [0, 1)."""
    return float(next_u64(s) >> np.uint64(11)) * _U53


@jit
def normal(s):
    """A standard normal (256-layer ziggurat)."""
    while True:
        r = next_u64(s)
        idx = np.intp(r & np.uint64(0xFF))
        r >>= np.uint64(8)
        negative = (r & np.uint64(1)) != np.uint64(0)
        rabs = (r >> np.uint64(1)) & np.uint64(0x000FFFFFFFFFFFFF)
        x = float(rabs) * _WI[idx]
        if negative:
            x = -x
        if rabs < _KI[idx]:
            return x
        if idx == 0:
            while True:
                xx = -math.log1p(-uniform(s)) / _ZIG_R
                yy = -math.log1p(-uniform(s))
                if yy + yy > xx * xx:
                    return -(_ZIG_R + xx) if negative else _ZIG_R + xx
        elif (_FI[idx - 1] - _FI[idx]) * uniform(s) + _FI[idx] < math.exp(-0.5 * x * x):
            return x


@jit
def gamma(s, shape):
    """A Gamma(shape, 1) variate, shape >= 1 (Marsaglia & Tsang 2000)."""
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        x = normal(s)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u = uniform(s)
        if u < 1.0 - 0.0331 * x * x * x * x:
            return d * v
        if math.log(u) < 0.5 * x * x + d * (1.0 - v + math.log(v)):
            return d * v


@jit
def _binomial_inversion(s, n, p):
    # Exact; expected cost O(n p), used for n p < 10 with p <= 1/2.
    q = 1.0 - p
    ratio = p / q
    while True:
        prob = q**n
        u = uniform(s)
        k = 0.0
        while u > prob:
            u -= prob
            k += 1.0
            if k > n:
                break
            prob *= ratio * (n - k + 1.0) / k
        if k <= n:
            return k


@jit
def _binomial_btrs(s, n, p):
    # Exact; Hörmann (1993) transformed rejection with squeeze, for n p >= 10, p <= 1/2.
    q = 1.0 - p
    spq = math.sqrt(n * p * q)
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    vr = 0.92 - 4.2 / b
    alpha = (2.83 + 5.1 / b) * spq
    lpq = math.log(p / q)
    m = math.floor((n + 1.0) * p)
    h = math.lgamma(m + 1.0) + math.lgamma(n - m + 1.0)
    while True:
        u = uniform(s) - 0.5
        v = uniform(s)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + c)
        if k < 0.0 or k > n:
            continue
        if us >= 0.07 and v <= vr:
            return k
        v = math.log(v * alpha / (a / (us * us) + b))
        if v <= h - math.lgamma(k + 1.0) - math.lgamma(n - k + 1.0) + (k - m) * lpq:
            return k


@jit
def binomial(s, n, p):
    """A Binomial(n, p) count as a float; ``n`` a whole number held in a float."""
    if n <= 0.0 or p <= 0.0:
        return 0.0
    if p >= 1.0:
        return n
    variance = n * p * (1.0 - p)
    if variance >= _NORMAL_MIN_VARIANCE:
        sd = math.sqrt(variance)
        z = normal(s)
        skew = (1.0 - 2.0 * p) / sd
        x = math.floor(n * p + sd * (z + skew * (z * z - 1.0) / 6.0) + 0.5)
        return min(max(x, 0.0), n)
    flip = p > 0.5
    pp = 1.0 - p if flip else p
    k = _binomial_inversion(s, n, pp) if n * pp < 10.0 else _binomial_btrs(s, n, pp)
    return n - k if flip else k


@jit
def fill_normals(s, out):
    """Fill ``out`` (float64[n]) with standard normals (used by tests and benchmarks)."""
    for i in range(out.shape[0]):
        out[i] = normal(s)


@jit
def fill_binomials(s, n, p, out):
    """Fill ``out`` (float64[m]) with Binomial(n, p) draws (used by tests)."""
    for i in range(out.shape[0]):
        out[i] = binomial(s, n, p)


@jit
def fill_gammas(s, shape, out):
    """Fill ``out`` (float64[m]) with Gamma(shape, 1) draws (used by tests)."""
    for i in range(out.shape[0]):
        out[i] = gamma(s, shape)
