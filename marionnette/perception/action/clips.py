"""Skeleton sequences as clips of grey images: the representation of Ke, Bennamoun, An, Sohel
and Boussaid, "A New Representation of Skeleton Sequences for 3D Action Recognition"
(CVPR 2017, arXiv:1703.03492), Section 3.1.

The paper's definitions, and how they read on :data:`~marionnette.motion.NTU_25`:

The chain
    "The skeleton joints of each frame are first arranged as a chain by concatenating the
    joints of each body part": the five parts trunk, left arm, right arm, left leg, right
    leg, each from the body outward along its bones. The paper does not list NTU's order;
    ours (:data:`BODY_PARTS`, :data:`CHAIN`) is

    =========  ==================================================================
    trunk      spine_base, spine_mid, spine_shoulder, neck, head
    left arm   shoulder_left, elbow_left, wrist_left, hand_left, hand_tip_left, thumb_left
    right arm  shoulder_right, elbow_right, wrist_right, hand_right, hand_tip_right, thumb_right
    left leg   hip_left, knee_left, ankle_left, foot_left
    right leg  hip_right, knee_right, ankle_right, foot_right
    =========  ==================================================================

    (the thumb hangs from the wrist in Kinect's tree; it follows the hand's tip here so
    that each arm stays one run of rows).

Four reference joints
    "The left shoulder, the right shoulder, the left hip and the right hip are respectively
    used to compute relative positions of the other joints" (:data:`REFERENCE_JOINTS`):
    for reference ``r``, frame ``t`` and every other joint ``j`` of the chain,
    ``p[t, j] - p[t, r]``. Over all frames these make "four 2D arrays with dimension
    (m - 1) x t": ``m - 1 = 24`` rows, the chain without the reference itself
    (:data:`FRAME_ROWS`), and one column a frame of the sequence.

Cylindrical coordinates
    "The 3D Cartesian coordinates are transformed to cylindrical coordinates": of a
    relative vector ``(x, y, z)``, ``rho = sqrt(x^2 + y^2)``, ``theta = atan2(y, x)`` in
    ``(-pi, pi]`` and ``z`` (:func:`to_cylindrical`). The axis is ``z``, as in the paper's
    Kinect frame, where ``z`` is the depth axis and the person faces along it; marionnette
    keeps y up and the person facing +z, so the axis is the same one. ``theta`` is the
    angle in the frontal plane from the person's left (+x); it jumps by ``2 pi`` where a
    joint crosses the -x half-axis (the other shoulder seen from a shoulder), as in the
    paper.

Clips
    "The four 2D arrays corresponding to the same channel ... are transformed to four gray
    images by scaling the coordinate values between 0 and 255 using a linear
    transformation. A clip is then constructed with the four gray images": three clips
    (``rho``, ``theta``, ``z``; :data:`CHANNELS`) of four frames (one per reference joint).
    Each clip is scaled on its own, by its minimum and maximum over its four frames, so
    the four frames of a clip stay comparable; we scale to ``[0, 1]`` (the paper's
    ``[0, 255]`` divided by 255, what a CNN input wants). A clip whose values are all
    equal is all zeros. The frames are then resized to the CNN's input (224x224 for
    VGG19 in the paper) bilinearly, with antialiasing when a sequence is longer than the
    image is wide; the resize mixes values convexly, so they stay in ``[0, 1]``.

Shapes: ``(T, 25, 3)`` metres in, ``(3, 4, H, W)`` out; ``(N, T, 25, 3)`` in,
``(N, 3, 4, H, W)`` out, where the clip axis is ``rho, theta, z``, the frame axis follows
:data:`REFERENCE_JOINTS`, image rows are :data:`FRAME_ROWS` of that frame (resized to
``H``) and image columns are time (``T`` frames resized to ``W``). The work is torch's, on
the input's device; a numpy array in gives a numpy array (float32) out.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from marionnette.errors import MarionnetteError
from marionnette.motion import NTU_25, NTUJoint, PoseSequence

_J = NTUJoint

BODY_PARTS: tuple[tuple[str, tuple[NTUJoint, ...]], ...] = (
    ("trunk", (_J.SPINE_BASE, _J.SPINE_MID, _J.SPINE_SHOULDER, _J.NECK, _J.HEAD)),
    ("left_arm", (_J.SHOULDER_LEFT, _J.ELBOW_LEFT, _J.WRIST_LEFT, _J.HAND_LEFT, _J.HAND_TIP_LEFT, _J.THUMB_LEFT)),
    (
        "right_arm",
        (_J.SHOULDER_RIGHT, _J.ELBOW_RIGHT, _J.WRIST_RIGHT, _J.HAND_RIGHT, _J.HAND_TIP_RIGHT, _J.THUMB_RIGHT),
    ),
    ("left_leg", (_J.HIP_LEFT, _J.KNEE_LEFT, _J.ANKLE_LEFT, _J.FOOT_LEFT)),
    ("right_leg", (_J.HIP_RIGHT, _J.KNEE_RIGHT, _J.ANKLE_RIGHT, _J.FOOT_RIGHT)),
)
"""The five body parts in the paper's order, each from the body outward."""

CHAIN: tuple[NTUJoint, ...] = tuple(joint for _, joints in BODY_PARTS for joint in joints)
"""All 25 joints, part after part: the order of a clip frame's rows."""

REFERENCE_JOINTS: tuple[NTUJoint, ...] = (_J.SHOULDER_LEFT, _J.SHOULDER_RIGHT, _J.HIP_LEFT, _J.HIP_RIGHT)
"""The four reference joints, one clip frame each, in the paper's order."""

FRAME_ROWS: tuple[tuple[NTUJoint, ...], ...] = tuple(
    tuple(joint for joint in CHAIN if joint != reference) for reference in REFERENCE_JOINTS
)
"""``FRAME_ROWS[k]``: the 24 joints of frame ``k``'s rows, the chain without its reference."""

CHANNELS: tuple[str, ...] = ("rho", "theta", "z")
"""The three clips, one per cylindrical coordinate."""

assert sorted(CHAIN) == list(NTUJoint), "the chain holds every NTU_25 joint once"


def to_cylindrical(vectors: torch.Tensor) -> torch.Tensor:
    """``(..., 3)`` Cartesian ``(x, y, z)`` → ``(..., 3)`` cylindrical ``(rho, theta, z)``
    about the z axis: ``rho = hypot(x, y)``, ``theta = atan2(y, x)`` in ``(-pi, pi]``
    (0 for the zero vector)."""
    x, y, z = vectors.unbind(-1)
    return torch.stack((torch.hypot(x, y), torch.atan2(y, x), z), dim=-1)


def relative_positions(positions: torch.Tensor) -> torch.Tensor:
    """``(N, T, 25, 3)`` NTU_25 positions → ``(N, 4, T, 24, 3)``: for each reference joint
    (:data:`REFERENCE_JOINTS`), the vectors from it to the joints of :data:`FRAME_ROWS`."""
    frames = []
    for reference, rows in zip(REFERENCE_JOINTS, FRAME_ROWS, strict=True):
        index = torch.tensor(rows, device=positions.device)
        frames.append(positions[:, :, index] - positions[:, :, reference : reference + 1])  # (N, T, 24, 3)
    return torch.stack(frames, dim=1)


def check_positions(positions: torch.Tensor, values: bool = True) -> torch.Tensor:
    """``(T, 25, 3)`` or ``(N, T, 25, 3)`` NTU_25 positions → ``(N, T, 25, 3)`` float32.

    :param values: also check that every position is finite (a host sync on a GPU tensor,
        so a trainer's loop checks its data once, on the CPU, and passes ``False``).
    :raises MarionnetteError: a rank other than 3 or 4, not 25 joints of 3 coordinates, no
        frames, or (``values``) a NaN or infinite position.
    """
    if positions.ndim not in (3, 4):
        raise MarionnetteError(
            f"skeleton positions have shape {tuple(positions.shape)}: give (T, 25, 3) for one sequence "
            "or (N, T, 25, 3) for a batch (NTU_25 joints, metres)"
        )
    batched = positions.ndim == 4
    x = positions if batched else positions[None]  # (N, T, V, 3)
    N, T, V, C = x.shape
    if V != len(NTU_25) or C != 3:
        raise MarionnetteError(
            f"skeleton positions have {V} joints of {C} coordinates (shape {tuple(positions.shape)}): "
            f"the clips need NTU_25's {len(NTU_25)} Kinect joints of 3 (x, y, z); map the sequence onto NTU_25"
        )
    if T == 0:
        raise MarionnetteError("skeleton positions have no frames: give a sequence of at least one frame")
    x = x.float()
    if values:
        bad = ~torch.isfinite(x).all(dim=-1)  # (N, T, V)
        if bad.any():
            n, t, v = (int(i) for i in torch.nonzero(bad)[0])
            where = f"sequence {n}, " if batched else ""
            what = "NaN" if torch.isnan(x[n, t, v]).any() else "an infinite value"
            raise MarionnetteError(
                f"skeleton positions hold {what} ({where}frame {t}, joint {NTU_25.joints[v]}): every joint must "
                "be present in every frame; fill the gaps first (PoseSequence.fill_gaps())"
            )
    return x


def clip_images(positions: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """The clips of a checked batch: ``(N, T, 25, 3)`` float → ``(N, 3, 4, H, W)`` in ``[0, 1]``.

    No checks (see :func:`check_positions`); :func:`skeleton_clips` is the checked front door.
    """
    N, T = positions.shape[:2]
    cylindrical = to_cylindrical(relative_positions(positions))  # (N, 4, T, 24, 3)
    images = cylindrical.permute(0, 4, 1, 3, 2)  # (N, 3 clips, 4 frames, 24 rows, T columns)
    low = images.amin(dim=(2, 3, 4), keepdim=True)  # (N, 3, 1, 1, 1): each clip's own range
    span = images.amax(dim=(2, 3, 4), keepdim=True) - low
    images = torch.where(span > 0, (images - low) / span.clamp_min(torch.finfo(images.dtype).tiny), 0.0)
    H, W = size
    frames = images.reshape(N * 12, 1, len(FRAME_ROWS[0]), T)
    frames = F.interpolate(frames, size=(H, W), mode="bilinear", align_corners=False, antialias=True)
    return frames.clamp_(0.0, 1.0).reshape(N, 3, 4, H, W)  # clamp: float rounding only


def skeleton_clips(
    positions: np.ndarray | torch.Tensor | PoseSequence, size: tuple[int, int] = (224, 224)
) -> np.ndarray | torch.Tensor:
    """The paper's three clips of four grey frames (this module's docstring).

    :param positions: ``(T, 25, 3)`` or a batch ``(N, T, 25, 3)`` of NTU_25 joint positions
        in metres, every one present (no NaN), or a :class:`~marionnette.motion.PoseSequence`
        on NTU_25.
    :param size: ``(H, W)`` of each frame: rows (joints) resized to ``H``, time to ``W``.
    :returns: ``(3, 4, H, W)`` (or ``(N, 3, 4, H, W)``) float32 in ``[0, 1]``; clips ``rho,
        theta, z``, frames in :data:`REFERENCE_JOINTS` order. numpy in, numpy out.
    :raises MarionnetteError: what :func:`check_positions` raises, or a sequence on another
        skeleton.
    """
    if isinstance(positions, PoseSequence):
        if positions.skeleton != NTU_25:
            raise MarionnetteError(
                f"skeleton clips are defined on NTU_25's 25 Kinect joints, not on {positions.skeleton.name!r}: "
                "give a sequence on NTU_25"
            )
        positions = positions.positions
    as_numpy = not isinstance(positions, torch.Tensor)
    x = torch.as_tensor(np.asarray(positions)) if as_numpy else positions
    clips = clip_images(check_positions(x), size)
    clips = clips if x.ndim == 4 else clips[0]
    return clips.numpy() if as_numpy else clips
