"""The paper's re-annotation rule: every member of a cluster gets its cluster's majority label."""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from wsc.reannotation.votes import label_counts


# Why a row is pruned (KEPT: it is not), in the order the rules are checked.
KEPT, OVERSIZE, SMALL, TIED, NO_MAJORITY = range(5)


@dataclass(frozen=True)
class Abstentions:
    """Rows of one column that paper mode pruned, by the first reason that applies: in a
    cluster over the size limit, with fewer than min_size known labels, tied for the top
    label, or whose top label holds no more than min_majority of the known labels."""

    oversize: int
    small: int
    tied: int
    no_majority: int

    @classmethod
    def count(cls, reasons: np.ndarray) -> "Abstentions":
        """From per-row reasons (`cluster_majority`, `prune_oversize`)."""
        return cls(*(int(np.sum(reasons == r)) for r in (OVERSIZE, SMALL, TIED, NO_MAJORITY)))


def describe_abstentions(why: dict) -> str:
    """'2529 in clusters whose top label holds at most 67%, ...': a summary's
    `pruned_clusters` (an `Abstentions` as a dict, with min_cluster_size and min_majority)."""
    parts = [(why["no_majority"], f"in clusters whose top label holds at most "
                                  f"{why['min_majority']:.0%}"),
             (why["small"], f"in clusters with under {why['min_cluster_size']} known labels"),
             (why["tied"], "in clusters tied for the top label"),
             (why["oversize"], "in clusters over half the data")]
    return ", ".join(f"{n} {text}" for n, text in parts if n)


def cluster_majority(clusters: np.ndarray, codes: np.ndarray, n_classes: int,
                     min_size: int = 3, min_majority: float = 0.0
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The paper's re-annotation: every member gets its cluster's majority weak label.

    A cluster abstains (its members are pruned, label -1) when it has fewer than min_size
    members with a known label, or its top label holds no more than min_majority of them
    (0: the plurality label wins); a tie for the top label is never a clear majority, so
    tied clusters abstain too.
    Returns (labels, confidence = the majority's share, reasons: KEPT for a kept row, else
    why it was pruned: SMALL, TIED or NO_MAJORITY), per row.
    """
    counts = label_counts(clusters, codes, n_classes)
    total = counts.sum(axis=1)
    top_count = counts.max(axis=1)
    tied = (counts == top_count[:, None]).sum(axis=1) > 1
    share = np.where(total > 0, top_count / np.maximum(total, 1), 0.0)
    reason = np.select([total < min_size, tied, share <= min_majority],
                       [SMALL, TIED, NO_MAJORITY], KEPT).astype(np.int8)[clusters]
    labels = np.where(reason == KEPT, counts.argmax(axis=1)[clusters], -1)
    return labels, share[clusters], reason


def prune_oversize(clusters: np.ndarray, labels: np.ndarray, reasons: np.ndarray,
                   max_share: float) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]:
    """A cluster holding more than max_share of the rows is never relabelled as a block: its
    rows are pruned (reason OVERSIZE, whatever `cluster_majority` said), with a warning.
    Returns (labels, reasons, [(cluster, rows), ...])."""
    sizes = np.bincount(clusters)
    oversize = np.flatnonzero(sizes > max_share * clusters.size)
    if oversize.size:
        block = np.isin(clusters, oversize)
        labels, reasons = np.where(block, -1, labels), np.where(block, OVERSIZE, reasons)
        warnings.warn(f"paper mode: {int(block.sum())} of {clusters.size} rows are in "
                      f"clusters holding over {max_share:.0%} of the data; pruned, not "
                      "relabelled as a block", RuntimeWarning, stacklevel=3)
    return labels, reasons, [(int(c), int(sizes[c])) for c in oversize]
