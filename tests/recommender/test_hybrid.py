"""The hybrid ranker: LightFM parity, cold start, top-k, signals, blend, the estimator contract."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from lightfm import LightFM
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l1
from threadpoolctl import threadpool_info, threadpool_limits

from recommender import scoring
from recommender.hybrid import HybridRanker, design_matrix
from recommender.scoring import (
    Blend,
    FittedRanker,
    ItemCooccurrence,
    LastItemTransitions,
    ModelInputError,
    Popularity,
    cap_features,
    rows_l1_normalised,
    standardise,
    top_k,
)
from tests.evaluation.synthetic import two_communities


@pytest.fixture(scope="module")
def data():
    return two_communities()


def small_ranker(**overrides: object) -> HybridRanker:
    params: dict[str, object] = {"no_components": 8, "epochs": 5, "random_state": 3, "num_threads": 1}
    params.update(overrides)
    return HybridRanker(**params)  # type: ignore[arg-type]


def test_scores_equal_lightfm_predict(data) -> None:
    train = data.matrix()
    ranker = small_ranker().fit(
        train, user_features=data.user_features.matrix, item_features=data.item_features.matrix
    )
    model = LightFM(no_components=8, loss="warp", learning_rate=0.05, random_state=np.random.RandomState(3))
    binary = sp.coo_matrix((np.ones(train.nnz, np.float32), train.nonzero()), shape=train.shape)
    for _ in range(5):
        model.fit_partial(
            binary,
            user_features=ranker.user_design_,
            item_features=ranker.item_design_,
            epochs=1,
            num_threads=1,
        )
    users = np.repeat(np.arange(data.n_users), data.n_items)
    items = np.tile(np.arange(data.n_items), data.n_users)
    expected = model.predict(
        users, items, user_features=ranker.user_design_, item_features=ranker.item_design_, num_threads=1
    ).reshape(data.n_users, data.n_items)
    np.testing.assert_allclose(ranker.score(np.arange(data.n_users)), expected, rtol=1e-4, atol=1e-4)


def test_identity_only_for_entities_with_interactions() -> None:
    meta = sp.csr_matrix(np.array([[1.0, 1.0], [0.0, 2.0], [0.0, 0.0]], dtype=np.float32))
    active = np.array([True, False, True])
    design = design_matrix(3, meta, active, identity=True).toarray()
    # Row 0: identity 1/2 + two features sharing the other half; row 1: metadata only; row 2: identity only.
    np.testing.assert_allclose(design[0], [1 / 2, 0, 0, 1 / 4, 1 / 4])
    np.testing.assert_allclose(design[1], [0, 0, 0, 0, 1])
    np.testing.assert_allclose(design[2], [0, 0, 1, 0, 0])
    without_identity = design_matrix(3, meta, active, identity=False).toarray()
    np.testing.assert_allclose(without_identity, [[0.5, 0.5], [0.0, 1.0], [0.0, 0.0]])
    # A side without metadata always keeps identity (the pure-CF case).
    np.testing.assert_allclose(design_matrix(3, None, active, identity=False).toarray(), np.diag([1, 0, 1]))


def test_bad_metadata_is_refused() -> None:
    meta = sp.csr_matrix(np.array([[np.nan]], dtype=np.float32))
    with pytest.raises(ModelInputError, match="NaN"):
        design_matrix(1, meta, np.array([True]), identity=True)


def test_rows_l1_normalised_as_scikit_learn_to_the_bit() -> None:
    """Serving's L1 row norm (no scikit-learn) gives ``inplace_csr_row_normalize_l1``'s floats: rows short and
    long (past numpy's pairwise summing blocks), empty, all zeros, values of very different sizes."""
    rng = np.random.default_rng(5)
    for seed in range(40):
        matrix = sp.random(20, 300, density=rng.uniform(0.01, 1.0), random_state=seed, format="csr")
        matrix = matrix.astype(np.float32)
        matrix.data *= (10.0 ** rng.uniform(-6, 6, matrix.nnz)).astype(np.float32)
        matrix.data[: matrix.nnz // 4] *= -1
        matrix.data[matrix.indptr[3] : matrix.indptr[4]] = 0.0
        matrix = sp.vstack([matrix, sp.csr_matrix((1, 300), dtype=np.float32)], format="csr")  # an empty row
        expected = matrix.copy()
        inplace_csr_row_normalize_l1(expected)
        got = rows_l1_normalised(matrix)
        assert got is not matrix and np.array_equal(got.indptr, expected.indptr)
        assert np.array_equal(got.data.view(np.uint32), expected.data.view(np.uint32))
    assert rows_l1_normalised(sp.csr_matrix((2, 3), dtype=np.float32)).nnz == 0


def test_cap_keeps_most_shared_features() -> None:
    meta = sp.csr_matrix(np.array([[1, 1, 1], [0, 1, 1], [0, 0, 1]], dtype=np.float32))
    support = np.asarray(meta.sum(axis=0)).ravel()
    capped = cap_features(meta, support, 2).toarray()
    np.testing.assert_array_equal(capped, [[0, 1, 1], [0, 1, 1], [0, 0, 1]])


def test_new_users_from_metadata_need_matching_width(data) -> None:
    ranker = small_ranker().fit(data.matrix(), user_features=data.user_features.matrix)
    assert ranker.represent_users(data.user_features.matrix).shape == (data.n_users, 8 + 2)
    with pytest.raises(ModelInputError, match="metadata features"):
        ranker.represent_users(sp.csr_matrix((1, 99)))


def test_estimator_contract(data) -> None:
    ranker = small_ranker(epochs=2)
    assert clone(ranker).get_params() == ranker.get_params()
    with pytest.raises(NotFittedError):
        ranker.score(np.array([0]))
    assert ranker.fit(data.matrix()) is ranker
    with pytest.raises(ModelInputError, match="no interactions"):
        small_ranker().fit(sp.csr_matrix((3, 3)))


def test_same_seed_same_model(data) -> None:
    first = small_ranker().fit(data.matrix()).score(np.arange(5))
    second = small_ranker().fit(data.matrix()).score(np.arange(5))
    np.testing.assert_array_equal(first, second)


def test_early_stopping_keeps_best_epoch(data) -> None:
    scores = iter([0.1, 0.5, 0.4, 0.3, 0.2, 0.9])
    seen: list[np.ndarray] = []

    def monitor(ranker: HybridRanker) -> float:
        seen.append(ranker.score(np.arange(3)).copy())
        return next(scores)

    ranker = small_ranker(epochs=6, patience=2).fit(data.matrix(), monitor=monitor)
    assert ranker.best_epoch_ == 2
    assert ranker.history_ == [0.1, 0.5, 0.4, 0.3]
    np.testing.assert_array_equal(ranker.score(np.arange(3)), seen[1])


def test_state_round_trip(data) -> None:
    ranker = small_ranker().fit(
        data.matrix(), user_features=data.user_features.matrix, item_features=data.item_features.matrix
    )
    again = HybridRanker.from_arrays(ranker.get_params(), ranker.state_arrays())
    assert again.get_params() == ranker.get_params()
    served = FittedRanker.from_arrays(ranker.get_params(), ranker.state_arrays())  # as an artefact loads
    assert type(served) is FittedRanker and served.max_features == ranker.max_features
    for rebuilt in (again, served):
        np.testing.assert_array_equal(
            rebuilt.score(np.arange(data.n_users)), ranker.score(np.arange(data.n_users))
        )
        np.testing.assert_array_equal(
            rebuilt.represent_users(data.user_features.matrix),
            ranker.represent_users(data.user_features.matrix),
        )
        np.testing.assert_array_equal(
            rebuilt.score_new_user([0, 1], [1.0, 2.0]), ranker.score_new_user([0, 1], [1.0, 2.0])
        )


def test_top_k_excludes_and_breaks_ties_by_index() -> None:
    scores = np.array([[0.5, 0.9, 0.5, 0.1, 0.9]], dtype=np.float32)
    np.testing.assert_array_equal(top_k(scores.copy(), 3), [[1, 4, 0]])
    exclude = sp.csr_matrix(np.array([[0, 1, 0, 0, 0]]))
    np.testing.assert_array_equal(top_k(scores.copy(), 3, exclude), [[4, 0, 2]])
    np.testing.assert_array_equal(top_k(scores.copy(), 10), [[1, 4, 0, 2, 3]])


# --- one contract for every count signal ------------------------------------------------------------


class TestSignalContract:
    """Shape, determinism and the known answer on the two-community data, for every count signal."""

    @pytest.fixture(params=["popularity", "cooccurrence", "transitions"])
    def fitted(self, request, data):
        train = data.matrix()
        if request.param == "popularity":
            return Popularity().fit(train)
        if request.param == "cooccurrence":
            return ItemCooccurrence(neighbours=10).fit(train)
        order = np.lexsort((data.time, data.user))
        users, items = data.user[order], data.item[order]
        same = users[1:] == users[:-1]
        return LastItemTransitions().fit_sequences(items[:-1][same], items[1:][same], data.n_items)

    def test_shape_and_determinism(self, fitted, data) -> None:
        users = np.arange(4)
        history, last = data.matrix()[users], np.array([0, 1, -1, 2])
        first = fitted.score(history, last)
        assert first.shape == (4, data.n_items) and first.dtype == np.float32
        np.testing.assert_array_equal(first, fitted.score(history, last))

    def test_known_answer(self, fitted, data) -> None:
        if isinstance(fitted, Popularity):
            np.testing.assert_array_equal(fitted.counts_, np.asarray(data.matrix().sum(axis=0)).ravel())
            return
        # A user whose only item is i3 (group 0) gets group-0 items on top.
        history = sp.csr_matrix(([1.0], ([0], [3])), shape=(1, data.n_items))
        scores = fitted.score(history, np.array([3]))
        best = np.argsort(-scores[0])[:3]
        assert np.all(best < data.n_items // 2)
        if isinstance(fitted, LastItemTransitions):
            assert scores[0].sum() == pytest.approx(1.0)  # a distribution over the next item


def test_standardise_and_blend() -> None:
    scores = np.array([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]], dtype=np.float32)
    z = standardise(scores)
    np.testing.assert_allclose(z[0], np.array([-1, 0, 1]) / np.sqrt(2 / 3), rtol=1e-6)
    np.testing.assert_array_equal(z[1], [0, 0, 0])
    masked = standardise(scores, np.array([[True, True, False], [True, True, True]]))
    np.testing.assert_allclose(masked[0, :2], [-1, 1], rtol=1e-6)
    blend = Blend({"a": 0.5, "b": 0.5, "c": 0.0})
    other = np.array([[3.0, 2.0, 1.0], [0.0, 1.0, 2.0]], dtype=np.float32)
    np.testing.assert_allclose(blend.combine({"a": scores, "b": other})[0], [0, 0, 0], atol=1e-6)
    with pytest.raises(ModelInputError, match="'b'"):
        blend.combine({"a": scores})


def blas_threads() -> set[int]:
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


class NotesThreads(np.ndarray):
    """An array that notes the BLAS thread limit when a product reads its transpose."""

    seen: list[set[int]] = []

    @property
    def T(self) -> np.ndarray:  # type: ignore[override]  # noqa: N802 - numpy's name
        NotesThreads.seen.append(blas_threads())
        return np.asarray(self).T


def test_fitting_and_scoring_use_num_threads_blas_threads(data) -> None:
    seen: list[set[int]] = []

    def monitor(ranker: HybridRanker) -> float:
        seen.append(blas_threads())
        return 0.0

    with threadpool_limits(limits=1, user_api="blas"):
        ranker = small_ranker(num_threads=2).fit(
            data.matrix(), user_features=data.user_features.matrix, monitor=monitor
        )
        assert seen and all(threads == {2} for threads in seen)  # inside fit
        assert blas_threads() == {1}  # and back after it
        ranker.item_vectors_ = ranker.item_vectors_.view(NotesThreads)
        ranker.score(np.arange(3))
        ranker.score_new_users(data.user_features.matrix[:2])
        assert NotesThreads.seen == [{2}, {2}]


def test_a_server_holds_blas_to_the_models_threads_for_its_whole_life(data, monkeypatch) -> None:
    ranker = small_ranker(num_threads=1).fit(data.matrix(), user_features=data.user_features.matrix)
    with threadpool_limits(limits=2, user_api="blas"):
        with scoring.serving_blas_threads(1):
            assert blas_threads() == {1}
            with scoring.serving_blas_threads(1):  # an app inside another (tests) shares the outer limit
                pass
            assert blas_threads() == {1}
            with pytest.raises(RuntimeError, match="held at 1"), scoring.serving_blas_threads(2):
                pass

            def no_lookup() -> None:
                raise AssertionError("a scoring call looked the thread pools up again")

            monkeypatch.setattr(scoring, "threadpool_limits", no_lookup)
            monkeypatch.setattr(NotesThreads, "seen", [])
            ranker.item_vectors_ = ranker.item_vectors_.view(NotesThreads)
            ranker.score_new_users(data.user_features.matrix[:2])
            assert NotesThreads.seen == [{1}]
            monkeypatch.undo()
        assert blas_threads() == {2}  # restored when the server stops


def test_one_new_user_scores_to_the_bit_as_the_sparse_path(data) -> None:
    """``score_new_user`` (a plan's worker, no sparse matrices) gives ``score_new_users``' very floats: the
    columns in any order, explicit zeros, more columns than the cap, none at all."""
    n_meta = 12
    features = sp.random(data.n_users, n_meta, density=0.5, random_state=7, format="csr", dtype=np.float32)
    ranker = small_ranker(max_features=3).fit(data.matrix(), user_features=features)
    rng = np.random.default_rng(5)
    for size in (0, 1, 3, 4, 7, n_meta, n_meta):
        cols = rng.choice(n_meta, size=size, replace=False)
        vals = rng.choice([1.0, 0.5, 0.25, 0.0, 1 / 3, 0.7], size=size)
        sparse = sp.csr_matrix((vals, (np.zeros(size, int), cols)), shape=(1, n_meta), dtype=np.float32)
        expected = ranker.score_new_users(sparse)
        got = ranker.score_new_user(cols.tolist(), vals.tolist())
        assert got.shape == expected.shape == (1, data.n_items) and got.dtype == expected.dtype
        assert np.array_equal(got.view(np.uint32), expected.view(np.uint32)), size
    with pytest.raises(ModelInputError, match="metadata features"):
        ranker.score_new_user([n_meta], [1.0])
    with pytest.raises(ModelInputError, match="finite"):
        ranker.score_new_user([0], [float("nan")])
