"""Majority votes with pruning and ties, label encoding, noise estimation."""
import numpy as np

from wsc.reannotation.noise import clean_posterior, estimate_transition
from wsc.reannotation.paper import KEPT, NO_MAJORITY, OVERSIZE, SMALL, TIED, cluster_majority
from wsc.reannotation.votes import encode_labels, neighbour_proba


def test_encode_labels_unknowns():
    codes, classes = encode_labels(np.array([1, 0, None, 999, "", np.nan, -1, 1], dtype=object))
    np.testing.assert_array_equal(classes, [0, 1])
    np.testing.assert_array_equal(codes, [1, 0, -1, -1, -1, -1, -1, 1])
    codes, classes = encode_labels(np.array(["cat", "dog", None, "cat"], dtype=object))
    assert list(classes) == ["cat", "dog"]
    np.testing.assert_array_equal(codes, [0, 1, -1, 0])


def test_majority_ties_and_pruning():
    clusters = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 3])
    codes = np.array([1, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0, 0, -1])
    labels, confidence, reasons = cluster_majority(clusters, codes, 2, min_size=3)
    kept = reasons == KEPT
    # cluster 0: clear majority 1 (3 of 4); every member relabelled, the dissenter too
    np.testing.assert_array_equal(labels[:4], [1, 1, 1, 1])
    assert confidence[0] == 0.75
    # cluster 1: 2-2 tie -> abstains; cluster 2: only 2 labels -> too small
    assert not kept[4:10].any() and (labels[4:10] == -1).all()
    # cluster 3: two known labels < min_size 3 -> pruned, the unknown member too
    assert not kept[10:].any()
    labels, _, _ = cluster_majority(clusters, codes, 2, min_size=2)
    np.testing.assert_array_equal(labels[10:], [0, 0, 0])     # unknown member gets the label


def test_min_majority():
    clusters = np.zeros(10, dtype=int)
    codes = np.array([1] * 6 + [0] * 4)
    assert (cluster_majority(clusters, codes, 2, min_majority=0.5)[2] == KEPT).all()
    assert (cluster_majority(clusters, codes, 2, min_majority=0.7)[2] == NO_MAJORITY).all()


def test_plurality_default_for_many_classes():
    clusters = np.repeat([0, 1], 9)
    codes = np.array([2, 2, 2, 2, 0, 0, 0, 1, 1,      # plurality 2 with 4 of 9 (< 0.5)
                      0, 0, 0, 1, 1, 1, 2, 2, 2])     # three-way tie
    labels, confidence, reasons = cluster_majority(clusters, codes, 3)
    kept = reasons == KEPT
    assert kept[:9].all() and (labels[:9] == 2).all() and np.isclose(confidence[0], 4 / 9)
    assert not kept[9:].any()
    assert (cluster_majority(clusters, codes, 3, min_majority=0.5)[2] != KEPT).all()


def test_neighbour_proba_excludes_unknown_and_smooths():
    codes = np.array([0, 1, 1, -1])
    P = neighbour_proba(np.array([[1, 2], [0, 3], [0, 1], [1, 2]]), codes, 2, smoothing=0.0)
    np.testing.assert_allclose(P[0], [0, 1])
    np.testing.assert_allclose(P[1], [1, 0])     # the unknown neighbour does not vote
    # smoothing towards the other rows' label shares: a row's own label is left out
    codes = np.array([0, 1, 1, -1, -1])
    P = neighbour_proba(np.array([[1, 2], [0, 3], [0, 1], [4, 4], [3, 3]]), codes, 2)
    np.testing.assert_allclose(P[3], [1 / 3, 2 / 3])         # no votes: the prior alone
    np.testing.assert_allclose(P[0], [0, 1])                 # prior of rows 1, 2: all 1
    np.testing.assert_allclose(P[1], [0.75, 0.25])           # (1 vote + [0.5, 0.5]) / 2


def test_transition_recovered_and_posterior_uses_own_label():
    rng = np.random.default_rng(0)
    n = 20000
    truth = rng.integers(0, 2, n)
    T = np.array([[0.9, 0.1], [0.3, 0.7]])
    weak = np.where(rng.random(n) < T[truth, 1], 1, 0)
    p_true = np.where(truth[:, None] == np.arange(2), 0.97, 0.03)   # an informative x
    p_weak = p_true @ T
    T_hat = estimate_transition(p_weak, weak)
    np.testing.assert_allclose(T_hat, T, atol=0.05)
    post = clean_posterior(p_weak, T_hat, weak)
    assert (post.argmax(1) == truth).mean() > 0.95
    # uninformative x: the given label decides
    flat = np.full((2, 2), 0.5)
    np.testing.assert_array_equal(clean_posterior(flat, T, np.array([0, 1])).argmax(1), [0, 1])


def test_invert_noise_exact_inside_and_nearest_outside():
    from wsc.reannotation.noise import invert_noise

    rng = np.random.default_rng(0)
    T = np.array([[0.5, 0.3, 0.2], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]])
    p_true = rng.dirichlet(np.ones(3), 50)
    # inside the image of the simplex: the exact inverse
    np.testing.assert_allclose(invert_noise(p_true @ T, T), p_true, atol=1e-9)
    # outside it: a distribution whose image is nearer in KL than any other tried
    outside = np.array([[0.9, 0.05, 0.05], [0.05, 0.05, 0.9]])
    p = invert_noise(outside, T)
    assert (p >= 0).all() and np.allclose(p.sum(1), 1)

    def kl(target: np.ndarray, q: np.ndarray) -> np.ndarray:
        return (target * np.log(target / (q @ T))).sum(1)
    others = rng.dirichlet(np.ones(3), 2000)
    for row in range(2):
        assert kl(outside[row:row + 1], p[row:row + 1])[0] <= kl(outside[row:row + 1], others).min() + 1e-9


def test_ill_conditioned_noise_does_not_distort():
    """A nearly singular T (two weak classes the annotator mixes up): the inverse of a row
    outside the image swings to +4 / -3 on them, and clipping it squeezes the third class,
    which the evidence explains well; the nearest distribution keeps that class's share."""
    from wsc.reannotation.noise import invert_noise

    T = np.array([[0.52, 0.48, 0.0], [0.48, 0.52, 0.0], [0.05, 0.05, 0.9]])
    p_weak = np.array([[0.6, 0.3, 0.1]])
    clipped = np.clip(p_weak @ np.linalg.pinv(T), 0, None)
    clipped /= clipped.sum()
    assert clipped[0, 2] < 0.03
    p = invert_noise(p_weak, T)
    np.testing.assert_allclose(p[0], [0.889, 0.0, 0.111], atol=0.01)   # EM stops within 0.005


def test_row_posterior_uses_each_rows_noise():
    from wsc.reannotation.noise import row_posterior

    p_true = np.array([[0.5, 0.5], [0.5, 0.5], [0.9, 0.1]])
    likelihood = np.array([[0.1, 0.9],      # a reliable row labelled 1: the label counts
                           [0.5, 0.5],      # an uninformative row: P(true | x) stays
                           [1.0, 1.0]])     # no weak label
    post = row_posterior(p_true, likelihood)
    np.testing.assert_allclose(post[0], [0.1, 0.9])
    np.testing.assert_allclose(post[1], [0.5, 0.5])
    np.testing.assert_allclose(post[2], [0.9, 0.1])


def test_paper_rule_prunes_a_cluster_holding_most_rows():
    import warnings

    from wsc.reannotation.paper import prune_oversize

    clusters = np.r_[np.zeros(80, int), np.ones(10, int), np.full(10, 2)]
    codes = np.r_[np.zeros(60, int), np.ones(20, int), np.ones(10, int), np.zeros(10, int)]
    labels, _, reasons = cluster_majority(clusters, codes, 2, 3, 0.5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        labels, reasons, oversize = prune_oversize(clusters, labels, reasons, 0.5)
    kept = reasons == KEPT
    assert any("over 50%" in str(w.message) for w in caught)
    assert not kept[:80].any() and (labels[:80] == -1).all()
    assert kept[80:].all() and (labels[80:90] == 1).all()
    assert oversize == [(0, 80)]


def test_abstentions_count_each_pruned_row_once():
    import warnings

    from wsc.reannotation.paper import Abstentions, prune_oversize

    # cluster 0: 80 rows (over the size limit); 1: two labels; 2: 2-2 tie; 3: 3 of 5 (60%);
    # 4: 4 of 5 (80%, kept at min_majority 2/3)
    clusters = np.repeat([0, 1, 2, 3, 4], [80, 2, 4, 5, 5])
    codes = np.r_[np.zeros(80, int), [0, 1], [0, 0, 1, 1], [1, 1, 1, 0, 0], [0, 0, 0, 0, 1]]
    labels, _, reasons = cluster_majority(clusters, codes, 2, 3, 2 / 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        labels, reasons, _ = prune_oversize(clusters, labels, reasons, 0.5)
    kept = reasons == KEPT
    assert (reasons[:80] == OVERSIZE).all()
    np.testing.assert_array_equal(reasons[80:], [SMALL] * 2 + [TIED] * 4 + [NO_MAJORITY] * 5
                                  + [KEPT] * 5)
    why = Abstentions.count(reasons)
    assert (why.oversize, why.small, why.tied, why.no_majority) == (80, 2, 4, 5)
    assert not kept[:91].any() and (labels[:91] == -1).all()
    assert kept[91:].all() and (labels[91:] == 0).all()
