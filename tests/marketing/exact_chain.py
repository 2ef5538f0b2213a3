"""An independent exact absorbing-chain solution of the order-1 Markov removal effect.

Written from the textbook definition with plain dicts and `fractions.Fraction` (exact rational
arithmetic, Gauss-Jordan elimination), sharing no code with the engine, to check it.
"""

import itertools
from collections import defaultdict
from fractions import Fraction

START, CONV, NULL = "(start)", "(conversion)", "(null)"


def _transitions(rows):
    counts = defaultdict(lambda: defaultdict(int))
    value_out = defaultdict(Fraction)
    for path, conv, value, null in rows:
        steps = [s.strip() for s in path.split(">")]
        total = conv + null
        chain = [START, *steps]
        for a, b in itertools.pairwise(chain):
            counts[a][b] += total
        counts[steps[-1]][CONV] += conv
        counts[steps[-1]][NULL] += null
        value_out[steps[-1]] += Fraction(value)
    return counts, value_out


def _absorb(counts, value_out, removed):
    """Probability of conversion and expected value from the start, with one channel removed."""
    states = [s for s in counts if s != removed]
    index = {s: i for i, s in enumerate(states)}
    n = len(states)
    # x_s = Σ_t P(s→t) x_t + r_s, for conversions and value: (I − Q) x = r
    matrix = [[Fraction(int(i == j)) for j in range(n)] + [Fraction(0), Fraction(0)] for i in range(n)]
    for s in states:
        out = sum(counts[s].values())
        i = index[s]
        for t, c in counts[s].items():
            if t == CONV:
                matrix[i][n] += Fraction(c, out)
            elif t in index:
                matrix[i][index[t]] -= Fraction(c, out)
            # NULL and the removed channel absorb nothing
        matrix[i][n + 1] = value_out[s] / out
    for col in range(n):
        pivot = next(r for r in range(col, n) if matrix[r][col] != 0)
        matrix[col], matrix[pivot] = matrix[pivot], matrix[col]
        p = matrix[col][col]
        matrix[col] = [v / p for v in matrix[col]]
        for r in range(n):
            if r != col and matrix[r][col] != 0:
                f = matrix[r][col]
                matrix[r] = [a - f * b for a, b in zip(matrix[r], matrix[col], strict=True)]
    s0 = index[START]
    return matrix[s0][n], matrix[s0][n + 1]


def removal_effects(rows):
    """{channel: (removal effect on conversions, on value)} as exact fractions."""
    counts, value_out = _transitions(rows)
    channels = sorted({s for s in counts if s != START})
    p, v = _absorb(counts, value_out, removed=None)
    return {
        c: (1 - _absorb(counts, value_out, c)[0] / p, 1 - _absorb(counts, value_out, c)[1] / v)
        for c in channels
    }


def credited(rows):
    """{channel: (conversions, value)} shared in proportion to the removal effects."""
    effects = removal_effects(rows)
    total_conv = sum(Fraction(r[1]) for r in rows)
    total_value = sum(Fraction(r[2]) for r in rows)
    s_c = sum(e[0] for e in effects.values())
    s_v = sum(e[1] for e in effects.values())
    return {c: (total_conv * e[0] / s_c, total_value * e[1] / s_v) for c, e in effects.items()}
