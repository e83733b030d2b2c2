"""Geometry done once: the rigid (Kabsch) fit and the rotation about x.

:func:`kabsch` is the least-squares rotation between two sets of matched points (W. Kabsch,
"A solution for the best rotation to relate two sets of vectors", Acta Cryst. A32, 1976):
the SVD of their weighted cross-covariance, with the sign of the last singular vector
chosen so that the result is a rotation (det +1), never a reflection. It works in any
dimension (the puppet's lean is a fit in the y-z plane) and is batched over leading
dimensions (a BVH joint's rotation in every frame at once). ``scipy``'s
``Rotation.align_vectors`` computes the same fit, but for one set of 3-D vectors at a
time, which serves neither the 2-D nor the batched caller.

Its callers: :func:`marionnette.motion.bvh.save_bvh` (the rotation of a joint with several
children), the retargeter's closed-form root (``marionnette.body.retarget``) and the
puppet's calibration (``marionnette.pipelines.puppet.lean``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class RigidFit(NamedTuple):
    """What :func:`kabsch` found. ``singular[..., 1]`` near 0 against ``singular[..., 0]``
    means the points lie on one line through the origin (or all at it): the turn about
    that line is not determined by them."""

    rotation: np.ndarray  # (..., D, D) float64, det +1: rotation @ source[k] ≈ target[k]
    singular: np.ndarray  # (..., D) the weighted cross-covariance's singular values, largest first


def kabsch(source: np.ndarray, target: np.ndarray, weights: np.ndarray | None = None) -> RigidFit:
    """The rotation ``R`` minimising ``sum_k weights[k] * |R @ source[k] - target[k]|^2``.

    :param source: ``(..., K, D)`` points, about the origin the rotation turns them about
        (subtract the centroids first for a rigid fit of two point clouds).
    :param target: ``(..., K, D)`` the points they should land on; the leading dimensions
        broadcast against ``source``'s.
    :param weights: ``(..., K)`` non-negative, one per pair; ``None`` weighs all alike.
        A pair with weight 0 has no say (its points must still be finite).
    :returns: a :class:`RigidFit`: ``rotation (..., D, D)`` and the singular values.
        With no pair that counts (all weights 0), the rotation is the identity.
    """
    source = np.asarray(source, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    if weights is not None:
        target = target * np.asarray(weights, dtype=np.float64)[..., None]
    M = np.einsum("...ki,...kj->...ij", target, source)  # (..., D, D) sum of w * target ⊗ source
    U, singular, Vt = np.linalg.svd(M)
    d = np.sign(np.linalg.det(U @ Vt))  # (...,) -1 where the best orthogonal fit is a reflection
    U[..., :, -1] *= d[..., None]
    return RigidFit(U @ Vt, singular)


def rotation_about_x(angle: float) -> np.ndarray:
    """``(3, 3)`` float32: the rotation by ``angle`` radians about +x (y turns towards z)."""
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]], np.float32)


def rotate_about_x(positions: np.ndarray, angle: float) -> np.ndarray:
    """``positions (..., 3)`` turned by ``angle`` radians about +x (about the origin)."""
    return positions @ rotation_about_x(angle).T
