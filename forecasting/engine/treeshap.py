"""TreeSHAP contributions of a LightGBM model, compiled: the numbers ``pred_contrib`` gives.

Path-dependent TreeSHAP (Lundberg et al. 2020) as LightGBM computes it, in time linear in a
leaf's path instead of quadratic, following the idea of Fast TreeSHAP v2 (Yang 2021):

For one tree, the expected output given the features in S is a sum over leaves l of
v_l · Π_{r on l's path} (r ∈ S ? o_r : z_r), where z_r is the product of the cover
fractions (training rows counted) of the splits on feature r along the path and o_r is 1 when
the row satisfies every split on r along it, else 0. Each leaf is a game of its d distinct path
features only, and feature q's Shapley value in it is

    v_l · (o_q − z_q) · Σ_{S ⊆ P∖{q}} |S|!·(d − |S| − 1)!/d! · Π_{r∈S} o_r · Π_{r∈P∖S∖{q}} z_r,

which depends on the row only through the d bits o. So every leaf's values are tabulated once
per model for its 2^d bit patterns (``Forest``), and scoring a row walks each tree's nodes
once (one decision per node), forms each leaf's pattern from its path and adds d table
entries: O(nodes + Σ path lengths) per tree and row, in parallel over rows (numba ``prange``).
Decisions follow LightGBM's rules exactly (missing values, categorical bitsets); the result
equals ``Booster.predict(pred_contrib=True)`` to rounding (tested). A model with a leaf of
more than ``MAX_PATH_FEATURES`` distinct features would need too large a table: ``forest``
returns None and the caller keeps LightGBM's own ``pred_contrib``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

try:
    import numba
except ImportError:  # pragma: no cover - numba is pinned; without it LightGBM's pred_contrib is used
    numba = None  # type: ignore[assignment]

MAX_PATH_FEATURES = 12  # 2^12 patterns × 12 values per leaf at most
_ZERO = 1e-35  # LightGBM's kZeroThreshold
NUMERICAL, CATEGORICAL = 0, 1
MISSING_NONE, MISSING_ZERO, MISSING_NAN = 0, 1, 2
_MISSING = {"None": MISSING_NONE, "Zero": MISSING_ZERO, "NaN": MISSING_NAN}


@dataclass(frozen=True, eq=False)
class Forest:
    """Every tree of a model as flat arrays (node ids are global across trees).

    Internal node i: ``feature[i]``, ``threshold[i]``, ``kind[i]`` (numerical / categorical),
    ``missing[i]``, ``default_left[i]``, categories going left ``cats[cat_start[i]:cat_end[i]]``.
    Tree t owns nodes ``node_start[t]:node_start[t + 1]`` and leaves
    ``leaf_start[t]:leaf_start[t + 1]``. Leaf l's path is ``path_node/path_left/path_slot
    [path_start[l]:path_start[l + 1]]`` (node, whether the path goes left there, which of the
    leaf's distinct features the node splits on); its distinct features are
    ``leaf_feature[feat_start[l]:feat_start[l + 1]]`` and its table of 2^d × d values starts at
    ``table_start[l]``."""

    features: int
    bias: float
    feature: np.ndarray
    threshold: np.ndarray
    kind: np.ndarray
    missing: np.ndarray
    default_left: np.ndarray
    cat_start: np.ndarray
    cat_end: np.ndarray
    cats: np.ndarray
    node_start: np.ndarray
    leaf_start: np.ndarray
    path_start: np.ndarray
    path_node: np.ndarray
    path_left: np.ndarray
    path_slot: np.ndarray
    feat_start: np.ndarray
    leaf_feature: np.ndarray
    table_start: np.ndarray
    table: np.ndarray


def _shapley_table_py(value: float, z: np.ndarray) -> np.ndarray:
    """(2^d, d) contributions of a leaf of value ``value`` with cover products ``z``."""
    d = len(z)
    weight = np.zeros(max(d, 1))
    for s in range(d):  # |S|!·(d − |S| − 1)!/d!
        weight[s] = math.exp(math.lgamma(s + 1) + math.lgamma(d - s) - math.lgamma(d + 1))
    out = np.zeros((1 << d, d))
    poly = np.zeros(d + 1)
    for mask in range(1 << d):
        for q in range(d):
            # Σ over S ⊆ A∖{q} (A: the satisfied features) of w(|S|)·Π_{A∖S∖{q}} z, times
            # Π_{B∖{q}} z (B: the unsatisfied ones, never in S), through the elementary
            # symmetric polynomials of A's z: poly[m] = Σ over m-subsets T of A∖{q} of Π_T z.
            poly[:] = 0.0
            poly[0] = 1.0
            fixed = 1.0
            size = 0
            for r in range(d):
                if r == q:
                    continue
                if (mask >> r) & 1:
                    for m in range(size + 1, 0, -1):
                        poly[m] += poly[m - 1] * z[r]
                    size += 1
                else:
                    fixed *= z[r]
            total = 0.0
            for m in range(size + 1):  # S = (A∖{q}) ∖ T, |S| = size − m
                total += weight[size - m] * poly[m]
            out[mask, q] = value * (((mask >> q) & 1) - z[q]) * fixed * total
    return out


_shapley_table = numba.njit(cache=True)(_shapley_table_py) if numba is not None else _shapley_table_py


def _shapley_tables_py(
    values: np.ndarray, z: np.ndarray, z_start: np.ndarray, table_start: np.ndarray
) -> np.ndarray:
    """Every leaf's table, concatenated (leaf l: value ``values[l]``, cover products
    ``z[z_start[l]:z_start[l + 1]]``, written from ``table_start[l]``): one call per model."""
    out = np.zeros(table_start[-1])
    for leaf in range(len(values)):
        table = _shapley_table(values[leaf], z[z_start[leaf] : z_start[leaf + 1]])
        out[table_start[leaf] : table_start[leaf + 1]] = table.ravel()
    return out


_shapley_tables = numba.njit(cache=True)(_shapley_tables_py) if numba is not None else _shapley_tables_py


def forest(dump: dict, features: int) -> Forest | None:
    """The compiled form of ``Booster.dump_model()`` (None when a path is too long to tabulate)."""
    feature: list[int] = []
    threshold: list[float] = []
    kind: list[int] = []
    missing: list[int] = []
    default_left: list[bool] = []
    cat_start: list[int] = []
    cat_end: list[int] = []
    cats: list[int] = []
    node_start, leaf_start = [0], [0]
    path_start: list[int] = [0]
    path_node: list[int] = []
    path_left: list[bool] = []
    path_slot: list[int] = []
    feat_start: list[int] = [0]
    leaf_feature: list[int] = []
    table_start: list[int] = []
    leaf_values: list[float] = []
    leaf_z: list[float] = []
    z_start: list[int] = [0]
    table_size = 0
    bias = 0.0
    for tree in dump["tree_info"]:
        root = tree["tree_structure"]
        base = len(feature)
        if "leaf_value" in root and "split_index" not in root:  # a single-leaf tree
            bias += float(root["leaf_value"])
            node_start.append(len(feature))
            leaf_start.append(len(table_start))
            continue
        # Number internal nodes by split_index (LightGBM's own order) within the tree.
        internal: dict[int, dict] = {}
        stack = [root]
        while stack:
            node = stack.pop()
            if "split_index" in node:
                internal[node["split_index"]] = node
                stack.extend((node["left_child"], node["right_child"]))
        for index in range(len(internal)):
            node = internal[index]
            feature.append(node["split_feature"])
            if node["decision_type"] == "==":
                kind.append(CATEGORICAL)
                threshold.append(0.0)
                values = [int(v) for v in str(node["threshold"]).split("||")]
                cat_start.append(len(cats))
                cats.extend(values)
                cat_end.append(len(cats))
            else:
                kind.append(NUMERICAL)
                threshold.append(float(node["threshold"]))
                cat_start.append(0)
                cat_end.append(0)
            missing.append(_MISSING[node["missing_type"]])
            default_left.append(bool(node["default_left"]))
        total = float(root["internal_count"])
        expected = 0.0
        # Depth-first over leaves, carrying the path: (node, went left, fraction).
        walk: list[tuple[dict, list[tuple[int, bool, float, dict]]]] = [(root, [])]
        while walk:
            node, path = walk.pop()
            if "split_index" in node:
                count = float(node["internal_count"])
                for child, left in ((node["left_child"], True), (node["right_child"], False)):
                    child_count = float(child.get("internal_count", child.get("leaf_count", 0)))
                    walk.append((child, [*path, (node["split_index"], left, child_count / count, node)]))
                continue
            value = float(node["leaf_value"])
            expected += value * float(node["leaf_count"]) / total
            distinct: list[int] = []
            z: list[float] = []
            for index, left, fraction, split in path:
                f = split["split_feature"]
                if f not in distinct:
                    distinct.append(f)
                    z.append(1.0)
                slot = distinct.index(f)
                z[slot] *= fraction
                path_node.append(base + index)
                path_left.append(left)
                path_slot.append(slot)
            if len(distinct) > MAX_PATH_FEATURES:
                return None
            path_start.append(len(path_node))
            leaf_feature.extend(distinct)
            feat_start.append(len(leaf_feature))
            leaf_values.append(value)
            leaf_z.extend(z)
            z_start.append(len(leaf_z))
            table_start.append(table_size)
            table_size += (1 << len(z)) * len(z)
        bias += expected
        node_start.append(len(feature))
        leaf_start.append(len(table_start))
    return Forest(
        features=features,
        bias=bias,
        feature=np.array(feature, np.int64),
        threshold=np.array(threshold, np.float64),
        kind=np.array(kind, np.int8),
        missing=np.array(missing, np.int8),
        default_left=np.array(default_left, np.bool_),
        cat_start=np.array(cat_start, np.int64),
        cat_end=np.array(cat_end, np.int64),
        cats=np.array(cats, np.int64),
        node_start=np.array(node_start, np.int64),
        leaf_start=np.array(leaf_start, np.int64),
        path_start=np.array(path_start, np.int64),
        path_node=np.array(path_node, np.int64),
        path_left=np.array(path_left, np.bool_),
        path_slot=np.array(path_slot, np.int64),
        feat_start=np.array(feat_start, np.int64),
        leaf_feature=np.array(leaf_feature, np.int64),
        table_start=np.array(table_start, np.int64),
        table=_shapley_tables(
            np.array(leaf_values, np.float64),
            np.array(leaf_z, np.float64),
            np.array(z_start, np.int64),
            np.array([*table_start, table_size], np.int64),
        ),
    )


# A tree whose internal nodes' decisions fit in one int64 key is scored by pattern (below).
MAX_PATTERN_NODES = 62


if numba is not None:

    @numba.njit(inline="always", cache=True)
    def _goes_left(
        v, i, threshold, kind, missing, default_left, cat_start, cat_end, cats
    ):  # pragma: no cover
        """LightGBM's decision at internal node ``i`` for the value ``v``."""
        if kind[i] == 1:  # categorical: NaN and negatives go right
            if not np.isnan(v) and v >= 0:
                c = np.int64(v)
                for j in range(cat_start[i], cat_end[i]):
                    if cats[j] == c:
                        return True
            return False
        m = missing[i]
        if np.isnan(v) and m != 2:
            v = 0.0
        if (m == 1 and -1e-35 <= v <= 1e-35) or (m == 2 and np.isnan(v)):
            return default_left[i]
        return v <= threshold[i]

    @numba.njit(parallel=True, cache=True)
    def _patterns(
        x, feature, threshold, kind, missing, default_left, cat_start, cat_end, cats, node_start
    ):  # pragma: no cover - compiled
        """Per tree, each row's decision pattern (one bit per internal node) numbered in order
        of first appearance: ``pid[r, t]``, a row showing each pattern ``rep[t, p]`` and the
        number of patterns ``count[t]``. One hash table per tree, trees in parallel."""
        rows = x.shape[0]
        trees = node_start.shape[0] - 1
        pid = np.zeros((rows, trees), dtype=np.int32)
        rep = np.zeros((trees, max(rows, 1)), dtype=np.int32)
        count = np.zeros(trees, dtype=np.int64)
        cap = 2
        while cap < 2 * rows:
            cap *= 2
        for t in numba.prange(trees):
            lo, hi = node_start[t], node_start[t + 1]
            if hi == lo:
                continue
            keys = np.empty(cap, dtype=np.int64)
            used = np.zeros(cap, dtype=np.bool_)
            ids = np.empty(cap, dtype=np.int32)
            n = 0
            for r in range(rows):
                key = np.int64(0)
                for i in range(lo, hi):
                    if _goes_left(
                        x[r, feature[i]], i, threshold, kind, missing, default_left, cat_start, cat_end, cats
                    ):
                        key |= np.int64(1) << (i - lo)
                h = key * np.int64(-7046029254386353131)
                h = (h ^ (h >> 29)) & (cap - 1)
                while used[h] and keys[h] != key:
                    h = (h + 1) & (cap - 1)
                if not used[h]:
                    used[h] = True
                    keys[h] = key
                    ids[h] = n
                    rep[t, n] = r
                    n += 1
                pid[r, t] = ids[h]
            count[t] = n
        return pid, rep, count

    @numba.njit(parallel=True, cache=True)
    def _pattern_values(
        x,
        rep,
        count,
        offset,
        feature,
        threshold,
        kind,
        missing,
        default_left,
        cat_start,
        cat_end,
        cats,
        node_start,
        leaf_start,
        path_start,
        path_node,
        path_left,
        path_slot,
        feat_start,
        leaf_feature,
        table_start,
        table,
    ):  # pragma: no cover - compiled
        """Each pattern's contributions in its tree: the leaves' tabulated values for the
        satisfied-feature bits the pattern gives them (row ``offset[t] + p``)."""
        features = x.shape[1]
        trees = node_start.shape[0] - 1
        values = np.zeros((offset[trees], features))
        for t in numba.prange(trees):
            lo, hi = node_start[t], node_start[t + 1]
            left = np.empty(max(hi - lo, 1), dtype=np.bool_)
            for p in range(count[t]):
                r = rep[t, p]
                for i in range(lo, hi):
                    left[i - lo] = _goes_left(
                        x[r, feature[i]], i, threshold, kind, missing, default_left, cat_start, cat_end, cats
                    )
                row = offset[t] + p
                for leaf in range(leaf_start[t], leaf_start[t + 1]):
                    d = feat_start[leaf + 1] - feat_start[leaf]
                    mask = (1 << d) - 1
                    for q in range(path_start[leaf], path_start[leaf + 1]):
                        if left[path_node[q] - lo] != path_left[q]:
                            mask &= ~(1 << path_slot[q])
                    at = table_start[leaf] + mask * d
                    for q in range(d):
                        values[row, leaf_feature[feat_start[leaf] + q]] += table[at + q]
        return values

    @numba.njit(parallel=True, cache=True)
    def _accumulate(pid, offset, values, bias, features):  # pragma: no cover - compiled
        """Each row's contributions: its patterns' values added tree by tree (the same order
        whatever the number of threads), then the bias."""
        rows, trees = pid.shape
        out = np.zeros((rows, features + 1))
        for r in numba.prange(rows):
            for t in range(trees):
                if offset[t + 1] == offset[t]:
                    continue
                row = offset[t] + pid[r, t]
                for f in range(features):
                    out[r, f] += values[row, f]
            out[r, features] = bias
        return out

    @numba.njit(parallel=True, cache=True)
    def _contributions_paths(
        x,
        bias,
        feature,
        threshold,
        kind,
        missing,
        default_left,
        cat_start,
        cat_end,
        cats,
        node_start,
        leaf_start,
        path_start,
        path_node,
        path_left,
        path_slot,
        feat_start,
        leaf_feature,
        table_start,
        table,
    ):  # pragma: no cover - compiled
        """Every leaf's path walked for every row (trees too deep for a pattern key)."""
        rows, features = x.shape
        out = np.zeros((rows, features + 1))
        nodes = feature.shape[0]
        for r in numba.prange(rows):
            left = np.empty(nodes, dtype=np.bool_)
            for i in range(nodes):
                v = x[r, feature[i]]
                if kind[i] == 1:  # categorical: NaN and negatives go right
                    go = False
                    if not np.isnan(v) and v >= 0:
                        c = np.int64(v)
                        for j in range(cat_start[i], cat_end[i]):
                            if cats[j] == c:
                                go = True
                                break
                    left[i] = go
                else:
                    m = missing[i]
                    if np.isnan(v) and m != 2:
                        v = 0.0
                    if (m == 1 and -1e-35 <= v <= 1e-35) or (m == 2 and np.isnan(v)):
                        left[i] = default_left[i]
                    else:
                        left[i] = v <= threshold[i]
            for leaf in range(leaf_start[-1]):
                mask = (1 << (feat_start[leaf + 1] - feat_start[leaf])) - 1
                for p in range(path_start[leaf], path_start[leaf + 1]):
                    if left[path_node[p]] != path_left[p]:
                        mask &= ~(1 << path_slot[p])
                d = feat_start[leaf + 1] - feat_start[leaf]
                at = table_start[leaf] + mask * d
                for q in range(d):
                    out[r, leaf_feature[feat_start[leaf] + q]] += table[at + q]
            out[r, features] = bias
        return out


def compiled() -> bool:
    """Whether the compiled TreeSHAP is available (numba installed)."""
    return numba is not None


def contributions(model: Forest, x: np.ndarray, *, kernel: str = "patterns") -> np.ndarray:
    """(rows, features + 1) TreeSHAP values on the raw score; the last column is the bias
    (the model's expected raw score), as LightGBM's ``pred_contrib`` lays them out.

    ``kernel="patterns"`` (the default) scores each tree once per distinct decision pattern
    among the rows: rows are grouped by the bits of the tree's node decisions (a hash table
    per tree), each pattern's leaf values are summed once, and each row adds its patterns'
    values tree by tree. ``"paths"`` walks every leaf's path for every row (also used when a
    tree has more than ``MAX_PATTERN_NODES`` internal nodes). Both give ``pred_contrib``'s
    numbers (to rounding, tested) and the same numbers on any number of threads."""
    if numba is None:  # pragma: no cover - numba is pinned
        raise RuntimeError("numba is not installed: use LightGBM's pred_contrib.")
    if kernel not in ("patterns", "paths"):
        raise ValueError(f"Unknown TreeSHAP kernel {kernel!r}.")
    x = np.ascontiguousarray(x, dtype=np.float64)
    if x.shape[1] != model.features:
        raise ValueError(f"The model has {model.features} features; the rows have {x.shape[1]}.")
    decisions = (
        model.feature,
        model.threshold,
        model.kind,
        model.missing,
        model.default_left,
        model.cat_start,
        model.cat_end,
        model.cats,
    )
    leaves = (
        model.leaf_start,
        model.path_start,
        model.path_node,
        model.path_left,
        model.path_slot,
        model.feat_start,
        model.leaf_feature,
        model.table_start,
        model.table,
    )
    widest = int(np.diff(model.node_start).max()) if len(model.node_start) > 1 else 0
    if kernel == "paths" or widest > MAX_PATTERN_NODES:
        return _contributions_paths(x, model.bias, *decisions, model.node_start, *leaves)
    pid, rep, count = _patterns(x, *decisions, model.node_start)
    offset = np.concatenate([[0], np.cumsum(count)]).astype(np.int64)
    values = _pattern_values(x, rep, count, offset, *decisions, model.node_start, *leaves)
    return _accumulate(pid, offset, values, model.bias, model.features)
