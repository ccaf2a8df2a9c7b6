"""Compiled random variates on explicit generator state (private).

The generator is xoshiro256++ (Blackman & Vigna): 256 bits of state owned by
one block of draws, so no global RNG state is ever touched.  Block states come
from :func:`simulate.streams.block_states` as ``uint64[4]`` rows; inside a
kernel the state is a tuple of four ``uint64`` values (``st``) that every
variate takes and returns with its value, ``x, st = normal(st)``.  Held in
locals, the state lives in registers for a whole block and is written back to
its row once, at the end (a row of an array would be reloaded and stored
around every variate, because the compiler cannot prove it does not alias the
output arrays).  :func:`load` and :func:`store` convert.

Variates: uniform doubles (53 bits), standard normals by a 256-layer ziggurat
(Marsaglia & Tsang 2000, in the double-precision layout NumPy uses), gammas by
Marsaglia & Tsang's squeeze method, and binomials that are exact below
``simulate.model.lump.NORMAL_MIN_VARIANCE`` and a rounded Cornish-Fisher normal above.

Speed: the common paths of :func:`normal` (one 64-bit draw, the rectangle test:
~99% of calls), of :func:`binomial` (the corrected normal) and of :func:`gamma`
(the first try's squeeze test) are inlined into the kernels
(``inline="always"``); the rare paths (ziggurat wedges and tail, the exact
binomial samplers, gamma's rejections) are ordinary out-of-line functions, so
they are compiled once instead of at every call site.
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
_SIXTH = 1.0 / 6.0
_NORMAL_MIN_VARIANCE = 1_000.0  # simulate.model.lump.NORMAL_MIN_VARIANCE (kept equal by a test)


# exp: e^x = 2^(k/128) e^r with k = round(128 x / ln 2), |r| <= ln 2 / 256; 2^(j/128) from a
# table correctly rounded (computed in decimal, so the same on every machine), e^r from its
# Taylor polynomial to r^5 (truncation below 6e-19), evaluated in a short (Estrin) tree and
# added as scale + scale (e^r - 1), so that only small terms are rounded.
_EXP_N = 128
_INV_LN2_N = _EXP_N / math.log(2.0)
_LN2_N_HI = 6.93147180369123816490e-01 / _EXP_N  # fdlibm's split of ln 2: k * _LN2_N_HI is exact
_LN2_N_LO = 1.90821492927058770002e-10 / _EXP_N


def _exp_table():
    import decimal

    with decimal.localcontext() as ctx:
        ctx.prec = 50
        return np.array([float(decimal.Decimal(2) ** (decimal.Decimal(j) / _EXP_N)) for j in range(_EXP_N)])


_EXP_T = _exp_table()
_POW2 = np.ldexp(1.0, np.arange(-1022, 1023))  # 2^e for e = -1022 .. 1022, exact
_C3, _C4, _C5 = 1.0 / 6.0, 1.0 / 24.0, 1.0 / 120.0


@jit(inline="always")
def exp(x):
    """e^x within 2 ulp, inlined (``math.exp`` is a libm call, which in a draw loop also
    forces every live register to be saved); ``math.exp`` itself outside |x| <= 708."""
    if not (-708.0 <= x <= 708.0):
        return _exp_call(x)
    k = np.floor(x * _INV_LN2_N + 0.5)
    r = (x - k * _LN2_N_HI) - k * _LN2_N_LO
    r2 = r * r
    q = r + r2 * ((0.5 + r * _C3) + r2 * (_C4 + r * _C5))  # e^r - 1
    ki = np.intp(k)
    scale = _EXP_T[ki & (_EXP_N - 1)] * _POW2[(ki >> 7) + 1022]
    return scale + scale * q


@jit
def _exp_call(x):
    return math.exp(x)


#: 1.5 * 2^52: x + _MAGIC rounds x to an integer k held in the low bits of the sum, whose
#: bits are those of _MAGIC plus k (|k| < 2^51).
_MAGIC = 6755399441055744.0
_MAGIC_BITS = 0x4338000000000000
_INV_LN2 = 1.0 / math.log(2.0)
_LN2_HI = 6.93147180369123816490e-01  # fdlibm's split of ln 2 (k * _LN2_HI exact for |k| < 2^20)
_LN2_LO = 1.90821492927058770002e-10
#: 1 / n! for n = 2 .. 13 (e^r to r^13: truncation below 5e-18 for |r| <= ln 2 / 2)
_INV_FACT = tuple(1.0 / math.factorial(n) for n in range(2, 14))


@jit
def exp_rows(x, scale, n):
    """``x[i] = e^x[i]`` for ``i < n``, in loops without tables or calls, which the compiler
    vectorises (:func:`exp` needs a table lookup per value, which it cannot).

    ``e^x = 2^k e^r`` with ``k = round(x / ln 2)`` (by adding :data:`_MAGIC`), ``|r| <= ln 2 / 2``,
    ``e^r - 1`` from its Taylor polynomial to ``r^13`` in Horner form, ``2^k`` built from its
    bits.  Within 2 ulp of ``math.exp`` (tested); ``x`` is first clamped to [-708, 708]
    (e^-708 ~ 3.3e-308 stands for anything smaller, e^708 ~ 3.0e307 for anything larger,
    where ``math.exp`` gives a subnormal or infinity).  ``scale`` is float64[>= n] work space.
    """
    bits = scale.view(np.int64)
    c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13 = _INV_FACT
    for i in range(n):
        v = min(max(x[i], -708.0), 708.0)
        kd = v * _INV_LN2 + _MAGIC
        scale[i] = kd
        k = kd - _MAGIC
        r = (v - k * _LN2_HI) - k * _LN2_LO
        q = c13
        q = q * r + c12
        q = q * r + c11
        q = q * r + c10
        q = q * r + c9
        q = q * r + c8
        q = q * r + c7
        q = q * r + c6
        q = q * r + c5
        q = q * r + c4
        q = q * r + c3
        q = q * r + c2
        x[i] = r + (r * r) * q  # e^r - 1
    for i in range(n):
        bits[i] = (bits[i] - _MAGIC_BITS + 1023) << 52  # 2^k
    for i in range(n):
        s = scale[i]
        x[i] = s + s * x[i]


@jit(inline="always")
def load(row):
    """The state tuple of a ``uint64[4]`` row."""
    return (row[0], row[1], row[2], row[3])


@jit(inline="always")
def store(row, st):
    """Write the state tuple ``st`` back into its ``uint64[4]`` row."""
    row[0] = st[0]
    row[1] = st[1]
    row[2] = st[2]
    row[3] = st[3]


@jit(inline="always")
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@jit(inline="always")
def next_u64(st):
    """Next 64 random bits from xoshiro256++ state ``st``; returns ``(bits, st)``."""
    s0, s1, s2, s3 = st
    result = _rotl(s0 + s3, 23) + s0
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    return result, (s0, s1, s2, s3)


@jit(inline="always")
def uniform(st):
    """A double uniform on [0, 1); returns ``(u, st)``."""
    r, st = next_u64(st)
    return float(r >> np.uint64(11)) * _U53, st


@jit
def _uniform_call(st):
    # uniform() for the out-of-line samplers below (keeps their code small).
    return uniform(st)


@jit
def _normal_rest(st, idx, x, negative):
    """Finish a ziggurat draw that missed its layer's rectangle (~1% of draws), then draw afresh."""
    while True:
        if idx == 0:
            while True:
                u, st = _uniform_call(st)
                xx = -math.log1p(-u) / _ZIG_R
                u, st = _uniform_call(st)
                yy = -math.log1p(-u)
                if yy + yy > xx * xx:
                    return (-(_ZIG_R + xx) if negative else _ZIG_R + xx), st
        else:
            u, st = _uniform_call(st)
            if (_FI[idx - 1] - _FI[idx]) * u + _FI[idx] < math.exp(-0.5 * x * x):
                return x, st
        r, st = next_u64(st)
        idx = np.intp(r & np.uint64(0xFF))
        r >>= np.uint64(8)
        negative = (r & np.uint64(1)) != np.uint64(0)
        rabs = (r >> np.uint64(1)) & np.uint64(0x000FFFFFFFFFFFFF)
        x = float(rabs) * _WI[idx]
        if negative:
            x = -x
        if rabs < _KI[idx]:
            return x, st


@jit(inline="always")
def normal(st):
    """A standard normal (256-layer ziggurat); returns ``(z, st)``."""
    r, st = next_u64(st)
    idx = np.intp(r & np.uint64(0xFF))
    r >>= np.uint64(8)
    negative = (r & np.uint64(1)) != np.uint64(0)
    rabs = (r >> np.uint64(1)) & np.uint64(0x000FFFFFFFFFFFFF)
    x = float(rabs) * _WI[idx]
    if negative:
        x = -x
    if rabs < _KI[idx]:
        return x, st
    return _normal_rest(st, idx, x, negative)


@jit
def _normal_call(st):
    # normal() for the out-of-line samplers (gamma's rejection loop).
    return normal(st)


@jit
def _gamma_rest(st, d, c, x, v, u):
    """Finish a gamma draw whose squeeze test failed (``v`` already cubed; ``v`` <= 0: rejected),
    then draw afresh until accepted."""
    while True:
        if v > 0.0 and math.log(u) < 0.5 * x * x + d * (1.0 - v + math.log(v)):
            return d * v, st
        x, st = _normal_call(st)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u, st = _uniform_call(st)
        if u < 1.0 - 0.0331 * x * x * x * x:
            return d * v, st


@jit(inline="always")
def gamma(st, shape):
    """A Gamma(shape, 1) variate, shape >= 1 (Marsaglia & Tsang 2000); returns ``(g, st)``.

    The first try's squeeze test (accepting ~98% of draws at the shapes used) is inlined;
    anything else is :func:`_gamma_rest`, out of line.
    """
    d = shape - 1.0 / 3.0
    return gamma_dc(st, d, 1.0 / math.sqrt(9.0 * d))


@jit(inline="always")
def gamma_dc(st, d, c):
    """:func:`gamma` with its constants ``d = shape - 1/3`` and ``c = 1 / sqrt(9 d)`` computed
    once by the caller (a kernel that draws one gamma per draw hoists the ``sqrt`` and
    division out of its loop); the same variates."""
    x, st = normal(st)
    v = 1.0 + c * x
    u = 0.0
    if v > 0.0:
        v = v * v * v
        u, st = uniform(st)
        if u < 1.0 - 0.0331 * x * x * x * x:
            return d * v, st
    return _gamma_rest(st, d, c, x, v, u)


@jit
def _binomial_inversion(st, n, p):
    # Exact; expected cost O(n p), used for n p < 10 with p <= 1/2.
    q = 1.0 - p
    ratio = p / q
    while True:
        prob = q**n
        u, st = _uniform_call(st)
        k = 0.0
        while u > prob:
            u -= prob
            k += 1.0
            if k > n:
                break
            prob *= ratio * (n - k + 1.0) / k
        if k <= n:
            return k, st


@jit
def _binomial_btrs(st, n, p):
    # Exact; Hörmann (1993) transformed rejection with squeeze, for n p >= 10, p <= 1/2.
    # The log-factorial constants are only needed when the squeeze fails: computed then, once.
    q = 1.0 - p
    spq = math.sqrt(n * p * q)
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    vr = 0.92 - 4.2 / b
    m = np.floor((n + 1.0) * p)
    have_h = False
    alpha = lpq = h = 0.0
    while True:
        u, st = _uniform_call(st)
        u -= 0.5
        v, st = _uniform_call(st)
        us = 0.5 - abs(u)
        k = np.floor((2.0 * a / us + b) * u + c)
        if k < 0.0 or k > n:
            continue
        if us >= 0.07 and v <= vr:
            return k, st
        if not have_h:
            alpha = (2.83 + 5.1 / b) * spq
            lpq = math.log(p / q)
            h = math.lgamma(m + 1.0) + math.lgamma(n - m + 1.0)
            have_h = True
        v = math.log(v * alpha / (a / (us * us) + b))
        if v <= h - math.lgamma(k + 1.0) - math.lgamma(n - k + 1.0) + (k - m) * lpq:
            return k, st


@jit
def _binomial_exact(st, n, p):
    """Binomial(n, p) by inversion (n p < 10) or BTRS, for variance below the switch."""
    flip = p > 0.5
    pp = 1.0 - p if flip else p
    if n * pp < 10.0:
        k, st = _binomial_inversion(st, n, pp)
    else:
        k, st = _binomial_btrs(st, n, pp)
    return (n - k if flip else k), st


@jit(inline="always")
def binomial(st, n, p):
    """A Binomial(n, p) count as a float (``n`` a whole number held in a float); returns ``(x, st)``.

    Above the switch the rounded Cornish-Fisher normal
    ``floor(n p + sd z + (1 - 2p)(z^2 - 1)/6 + 1/2)`` (``sd (z + skew (z^2 - 1)/6)``
    with ``skew = (1 - 2p)/sd``, written without the division).
    """
    if n <= 0.0 or p <= 0.0:
        return 0.0, st
    if p >= 1.0:
        return n, st
    variance = n * p * (1.0 - p)
    if variance >= _NORMAL_MIN_VARIANCE:
        z, st = normal(st)
        x = np.floor(n * p + math.sqrt(variance) * z + (1.0 - 2.0 * p) * (z * z - 1.0) * _SIXTH + 0.5)
        return min(max(x, 0.0), n), st
    return _binomial_exact(st, n, p)


@jit
def fill_normals(s, out):
    """Fill ``out`` (float64[n]) with standard normals from state row ``s`` (used by tests and benchmarks)."""
    st = load(s)
    for i in range(out.shape[0]):
        x, st = normal(st)
        out[i] = x
    store(s, st)


@jit
def fill_uniforms(s, out):
    """Fill ``out`` (float64[n]) with uniforms on [0, 1) (used by benchmarks)."""
    st = load(s)
    for i in range(out.shape[0]):
        x, st = uniform(st)
        out[i] = x
    store(s, st)


@jit
def fill_binomials(s, n, p, out):
    """Fill ``out`` (float64[m]) with Binomial(n, p) draws (used by tests)."""
    st = load(s)
    for i in range(out.shape[0]):
        x, st = binomial(st, n, p)
        out[i] = x
    store(s, st)


@jit
def fill_exps(x, out):
    """``out[i] = exp(x[i])`` with :func:`exp` (used by tests)."""
    for i in range(x.shape[0]):
        out[i] = exp(x[i])


@jit
def fill_exp_rows(x, out):
    """``out[i] = exp(x[i])`` with :func:`exp_rows`, in rows of 256 (used by tests)."""
    scale = np.empty(256)
    for start in range(0, x.shape[0], 256):
        n = min(256, x.shape[0] - start)
        row = out[start:start + n]
        row[:] = x[start:start + n]
        exp_rows(row, scale, n)


@jit
def fill_gammas(s, shape, out):
    """Fill ``out`` (float64[m]) with Gamma(shape, 1) draws (used by tests)."""
    st = load(s)
    for i in range(out.shape[0]):
        x, st = gamma(st, shape)
        out[i] = x
    store(s, st)
