"""The Kabsch fit and the rotation about x, against scipy's own Kabsch (``align_vectors``)."""

import warnings

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from marionnette.motion.geometry import kabsch, rotate_about_x, rotation_about_x


def test_kabsch_recovers_a_rotation_and_agrees_with_scipy_on_noisy_weighted_points():
    rng = np.random.default_rng(0)
    truth = Rotation.random(random_state=1)
    source = rng.normal(size=(8, 3))
    target = truth.apply(source) + rng.normal(scale=0.05, size=(8, 3))
    weights = rng.uniform(0.1, 2.0, size=8)
    fit = kabsch(source, truth.apply(source))
    np.testing.assert_allclose(fit.rotation, truth.as_matrix(), atol=1e-12)
    assert fit.singular.shape == (3,) and (np.diff(fit.singular) <= 0).all()
    ours = kabsch(source, target, weights).rotation
    theirs, _ = Rotation.align_vectors(target, source, weights)  # theirs @ source ≈ target
    np.testing.assert_allclose(ours, theirs.as_matrix(), atol=1e-10)
    assert np.linalg.det(ours) == pytest.approx(1.0)


def test_kabsch_gives_a_rotation_where_the_best_orthogonal_fit_is_a_mirror():
    rng = np.random.default_rng(2)
    source = rng.normal(size=(6, 3))
    mirrored = source * [1.0, 1.0, -1.0]
    rotation = kabsch(source, mirrored).rotation
    assert np.linalg.det(rotation) == pytest.approx(1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        theirs, _ = Rotation.align_vectors(mirrored, source)
    np.testing.assert_allclose(rotation, theirs.as_matrix(), atol=1e-10)


def test_kabsch_is_batched_and_a_zero_weight_has_no_say():
    rng = np.random.default_rng(3)
    truth = Rotation.random(5, random_state=4)  # (5,)
    source = rng.normal(size=(4, 3))
    target = np.einsum("tij,kj->tki", truth.as_matrix(), source)  # (5, 4, 3)
    target[:, 3] = rng.normal(size=(5, 3))  # an outlier ...
    weights = np.array([1.0, 1.0, 1.0, 0.0])  # ... that does not count
    fit = kabsch(source, target, np.broadcast_to(weights, (5, 4)))
    assert fit.rotation.shape == (5, 3, 3) and fit.singular.shape == (5, 3)
    np.testing.assert_allclose(fit.rotation, truth.as_matrix(), atol=1e-12)
    np.testing.assert_allclose(kabsch(source, target, np.zeros(4)).rotation, np.broadcast_to(np.eye(3), (5, 3, 3)))


def test_kabsch_in_the_plane_and_collinear_points_show_in_the_singular_values():
    angle = 0.3
    c, s = np.cos(angle), np.sin(angle)
    source = np.array([[1.0, 0.0], [0.0, 2.0], [-1.0, 1.0]])
    fit = kabsch(source, source @ np.array([[c, -s], [s, c]]).T)
    assert np.arctan2(fit.rotation[1, 0], fit.rotation[0, 0]) == pytest.approx(angle)
    line = np.outer([1.0, -2.0, 0.5], [0.2, 0.9, 0.1])  # (3, 3): three points on one line
    singular = kabsch(line, line).singular
    assert singular[1] < 1e-12 * singular[0]


def test_rotate_about_x_turns_y_towards_z():
    np.testing.assert_allclose(rotate_about_x(np.array([[0.0, 1.0, 0.0]]), np.pi / 2), [[0.0, 0.0, 1.0]], atol=1e-7)
    points = np.random.default_rng(5).normal(size=(7, 3)).astype(np.float32)
    turned = rotate_about_x(points, 0.4)
    assert turned.dtype == np.float32
    np.testing.assert_allclose(turned, Rotation.from_rotvec([0.4, 0, 0]).apply(points), atol=1e-6)
    np.testing.assert_allclose(rotation_about_x(0.4) @ rotation_about_x(-0.4), np.eye(3), atol=1e-7)
