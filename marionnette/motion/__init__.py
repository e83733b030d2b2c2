"""The shared language of bodies: skeletons, pose sequences, and their files.

Everything that moves in marionnette speaks :class:`PoseSequence`: positions ``(T, J, 3)``
in metres (y up), a confidence ``(T, J)``, ``fps`` and a :class:`Skeleton`. Capture
writes one, filters smooth one, the body retargets one, classifiers and generators read
one. Every skeleton maps onto :data:`CANONICAL` (16 joints) through a :class:`JointMap`.

Modules: :mod:`~.skeleton` (Skeleton and the built-in topologies), :mod:`~.mapping`
(joint maps and their registry), :mod:`~.sequence` (PoseSequence, ``.npz`` files, gaps
filled), :mod:`~.bvh` (:func:`save_bvh` / :func:`load_bvh`, the one way to BVH, through
bvhio, imported on first use; a file's unit is given or told by the body's size,
:func:`bvh_units`), :mod:`~.geometry` (the Kabsch fit and rotations, done once),
:mod:`~.contacts` (foot contacts, and :func:`plausible_reference`: a hip-centred capture
given back its travel and height, filtered, its feet planted, on one floor), :mod:`~.ntu`
(:func:`read_ntu_skeleton`: NTU RGB+D ``.skeleton`` files, their main bodies as
PoseSequences on NTU_25 or PySKL's ``(M, T, 25, 3)`` keypoints, and :func:`ntu_split`, the
NTU-60 cross-subject and cross-view benchmarks).

This package imports nothing of ours but :mod:`marionnette.errors` and :mod:`marionnette.files`,
and nothing heavy (numpy and scipy; bvhio only when a BVH file is read or written).
"""

from marionnette.motion.bvh import UNITS, BvhUnits, bvh_units, load_bvh, save_bvh
from marionnette.motion.contacts import (
    CANONICAL_FEET,
    ContactConfig,
    foot_contacts,
    foot_slide,
    plausible_reference,
)
from marionnette.motion.mapping import (
    MEDIAPIPE_TO_CANONICAL,
    NTU_TO_CANONICAL,
    JointMap,
    find_mapping,
    register_mapping,
)
from marionnette.motion.ntu import (
    NTU60_ACTIONS,
    NTU60_TRAIN_CAMERAS,
    NTU60_TRAIN_PERFORMERS,
    NTUBody,
    NTUSample,
    TrackingState,
    ntu_from_canonical,
    ntu_split,
    read_ntu_skeleton,
)
from marionnette.motion.sequence import PoseSequence
from marionnette.motion.skeleton import (
    BUILTIN_SKELETONS,
    CANONICAL,
    MEDIAPIPE_33,
    NTU_25,
    CanonicalJoint,
    MediaPipeJoint,
    NTUJoint,
    Skeleton,
)

__all__ = [
    "BUILTIN_SKELETONS",
    "CANONICAL",
    "CANONICAL_FEET",
    "MEDIAPIPE_33",
    "MEDIAPIPE_TO_CANONICAL",
    "NTU60_ACTIONS",
    "NTU60_TRAIN_CAMERAS",
    "NTU60_TRAIN_PERFORMERS",
    "NTU_25",
    "NTU_TO_CANONICAL",
    "UNITS",
    "BvhUnits",
    "CanonicalJoint",
    "ContactConfig",
    "JointMap",
    "MediaPipeJoint",
    "NTUBody",
    "NTUJoint",
    "NTUSample",
    "PoseSequence",
    "Skeleton",
    "TrackingState",
    "bvh_units",
    "find_mapping",
    "foot_contacts",
    "foot_slide",
    "load_bvh",
    "ntu_from_canonical",
    "ntu_split",
    "plausible_reference",
    "read_ntu_skeleton",
    "register_mapping",
    "save_bvh",
]
