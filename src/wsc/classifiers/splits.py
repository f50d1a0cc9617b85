"""Validation folds: subject-independent when subject ids are given, else stratified."""
from __future__ import annotations

import numpy as np
from sklearn.model_selection import GroupKFold, StratifiedKFold


def fold_ids(y: np.ndarray, n_folds: int, groups: np.ndarray | None = None,
             random_state: int = 0) -> np.ndarray:
    """Fold index (0..k-1) of every row; k is lowered to what the data allow.

    With `groups` (subject ids) no subject appears in two folds; otherwise each fold keeps
    the class balance. Same seed, same folds."""
    y = np.asarray(y)
    minority = int(min(np.sum(y == 1), np.sum(y == 0)))
    if groups is not None:
        k = min(n_folds, len(np.unique(groups)))
        splitter = GroupKFold(n_splits=k, shuffle=True, random_state=random_state)
        parts = splitter.split(y, y, groups)
    else:
        k = min(n_folds, minority)
        splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=random_state)
        parts = splitter.split(np.zeros(len(y)), y)
    folds = np.empty(len(y), dtype=np.int64)
    for f, (_, test) in enumerate(parts):
        folds[test] = f
    return folds
