"""Foot contacts, and a captured motion made into a physically plausible reference.

A capture from MediaPipe's world landmarks is hip-centred: the pelvis sits at the origin
in every frame, so the body neither travels nor rises and falls, and its joints jitter
from frame to frame. A character told to imitate that has to slide its feet across the
floor while its legs walk, and falls. :func:`plausible_reference` turns such a clip into
one a body can perform, in five steps (their thresholds: :class:`ContactConfig`):

1. *Filter*: every joint's position relative to the pelvis goes through a zero-phase
   Butterworth low-pass (``scipy.signal.sosfiltfilt``, ``cutoff`` Hz), so velocities
   taken from it are smooth and nothing lags. Gaps (confidence 0) are first filled by
   linear interpolation in time.
2. *Contacts* (:func:`foot_contacts`): a foot is on the floor while its ankle is near the
   lowest ankle of the frame (``height_on`` / ``height_off``) and barely moves over the
   floor (``speed_on`` / ``speed_off``), with hysteresis, and for at least
   ``min_contact`` seconds. Hip-centred motion has no floor and no world velocity, so
   both are read against the feet themselves: the height above the lower ankle, and the
   speed relative to the *support* (the lower foot, by the heights' mean over ``blend``,
   blended over ``support_blend`` of height; half each when they are level), which is
   the speed over the floor when the support foot stands still.
3. *Root* (the pelvis): each frame it moves by minus the mean motion of the feet in
   contact (weighted, the weight ramping in and out over ``blend``), so a planted foot
   stays where it is and carries the body, as :mod:`marionnette.body.clips` carries
   its walking clip; frames with no foot in contact take the root velocity interpolated
   between their neighbours. Its height is the one that puts the contact ankles at
   ``ankle_height``, interpolated likewise, so a squat goes down as its ankles rise
   towards the pelvis. The root's path is then filtered like the joints.
4. *Plant*: while a foot is in contact its ankle holds its mean horizontal place over the
   contact (the knee moves by half the correction, so neither leg bone stretches by all
   of it), the correction fading in and out linearly over ``blend`` around it: what the
   root's filtering or a second contact foot left of sliding is removed. The foot itself
   is laid flat: its heel, toe base and toe tip (``flat_foot``) are given as foot points
   (:data:`CANONICAL_FEET`), facing the way the hips face, with the foot's weight in the
   root as their confidence (none in the air: there the ankle keeps the angle it had).
   Without them the retargeter leaves the ankles at their last angles (zero from the
   start), and a captured stance with bent knees stands on its toes.
5. *Floor*, once: one vertical shift for the whole clip puts the median height of the
   contact ankles (after the root's filter) at ``ankle_height``. The heights between
   are the ones the contacts gave (a squat's depth, a step up); the lowest ankle is not
   put on the floor frame by frame, a foot in the air never carries the body.

What it cannot recover
    Hip-centred landmarks carry no trace of a flight phase: a jump reads as both feet
    planted and the pelvis stays low. Depth is what a single camera measures worst: where
    the capture shortens the legs' swing towards the camera, the travel read off the feet
    is shortened with it. On the character's own walk filmed from the front, MediaPipe
    swings the thigh over ~9 degrees where it swings over 38 and moves the planted ankle
    back 9 cm a step where it moves 63 cm: the travel comes out at 0.4 m of 4.4; filmed
    side on, at 3.1 m (``scripts/bench_capture_reference.py``).

Shapes: a canonical :class:`~marionnette.motion.PoseSequence` ``(T, 16, 3)`` metres, y up,
in (any skeleton that maps onto it); :data:`CANONICAL_FEET` ``(T, 22, 3)`` out; contacts
``(T, 2)`` bool, left then right. Only numpy and scipy (``scipy.signal``, ~0.9 s to import,
on the first filter).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import distance_transform_edt, uniform_filter1d

from marionnette.errors import MarionnetteError
from marionnette.motion.mapping import FOOT_POINTS, FootPoint
from marionnette.motion.sequence import PoseSequence
from marionnette.motion.skeleton import CANONICAL, CanonicalJoint, Skeleton

_ANKLES = (CanonicalJoint.LEFT_ANKLE, CanonicalJoint.RIGHT_ANKLE)
_KNEES = (CanonicalJoint.LEFT_KNEE, CanonicalJoint.RIGHT_KNEE)
_UP = 1  # y
_FLAT = [0, 2]  # x, z: the floor's plane
_ORDER = 2  # the Butterworth filter's order (sosfiltfilt runs it forward and back: 4th order, zero phase)

CANONICAL_FEET = Skeleton(
    "canonical_feet",
    CANONICAL.joints + FOOT_POINTS,
    CANONICAL.parents + tuple(_ANKLES[0] if p.name.startswith("LEFT") else _ANKLES[1] for p in FootPoint),
)
"""The canonical 16 joints and the six foot points (:data:`~marionnette.motion.mapping.FOOT_POINTS`,
each hanging from its ankle): what :func:`plausible_reference` returns, so that the
retargeter (:func:`~marionnette.motion.mapping.find_foot_map` finds the points by name)
sets the ankles of a planted foot flat on the floor."""


@dataclass(frozen=True)
class ContactConfig:
    """The thresholds of :func:`foot_contacts` and :func:`plausible_reference`.

    Measured on the character's own clips (``walk``, ``squat``, ``march``; a stance ankle
    is at the lowest height and still, a swing ankle rises 3-28 cm and moves at 0.3-3.8
    m/s) and on MediaPipe's capture of them through the virtual camera (joint jitter
    ~1 cm, ankle heights read to ~2 cm).
    """

    cutoff: float = 6.0
    """Hz: the low-pass cutoff for joint positions and the root's path; 6 Hz is the usual
    one for gait kinematics (Winter, *Biomechanics and Motor Control of Human Movement*),
    and keeps a 1.1 s stride's shape while removing frame-to-frame jitter. At or above
    half the frame rate, no filtering."""
    height_on: float = 0.02
    """m above the frame's lower ankle under which a foot may come into contact."""
    height_off: float = 0.05
    """m above the lower ankle over which a foot leaves contact (hysteresis: a swing
    foot's ankle rises 3-28 cm, capture noise moves a level pair apart by ~2 cm)."""
    speed_on: float = 0.3
    """m/s over the floor under which a foot may come into contact (a swing foot moves
    at up to 3.8 m/s, through 0.3-0.6 m/s only in the frame before it lands)."""
    speed_off: float = 0.6
    """m/s over the floor over which a foot leaves contact."""
    min_contact: float = 0.06
    """s: contacts shorter than this are dropped (a swing foot passing the other)."""
    support_blend: float = 0.01
    """m of ankle height over which the support moves from one foot to the other when
    contacts are detected (a level pair supports half each)."""
    blend: float = 0.1
    """s over which a foot's weight in the root and its planting correction ramp in and
    out around a contact."""
    ankle_height: float = 0.1
    """m: the contact ankles' height above the floor (a person's ankle joint, 7-10 cm;
    the character's stands at 10.5 cm)."""
    flat_foot: tuple[tuple[float, float], ...] = ((-0.07, -0.085), (0.13, -0.04), (0.18, -0.08))
    """(forward, up) metres from the ankle of the heel, the toe base and the toe tip of a
    foot flat on the floor (the character's, an adult's proportions): where the foot
    points of a foot in contact go, facing the way the hips face. The retargeter reads
    only their directions from the ankle, so these set the foot's pitch, not its size."""

    def __post_init__(self) -> None:
        for name in ("cutoff", "height_on", "speed_on", "ankle_height"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise MarionnetteError(f"ContactConfig {name}={value!r}: give a positive number")
        for name in ("min_contact", "support_blend", "blend"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= 0):
                raise MarionnetteError(f"ContactConfig {name}={value!r}: give a number >= 0")
        for on, off in (("height_on", "height_off"), ("speed_on", "speed_off")):
            if not getattr(self, off) >= getattr(self, on):
                raise MarionnetteError(
                    f"ContactConfig {off}={getattr(self, off)!r} is below {on}={getattr(self, on)!r}: "
                    f"the leaving threshold must be at least the entering one"
                )
        if np.shape(self.flat_foot) != (len(FOOT_POINTS) // 2, 2):
            raise MarionnetteError(
                f"ContactConfig flat_foot={self.flat_foot!r}: give (forward, up) metres from the ankle of the heel, "
                f"the toe base and the toe tip"
            )


def foot_contacts(seq: PoseSequence, config: ContactConfig | None = None) -> np.ndarray:
    """``(T, 2)`` bool: is the left (column 0) / right (column 1) foot on the floor in each
    frame of ``seq`` (any skeleton that maps onto the canonical one)? Read on the
    filtered, hip-centred motion, so the same for a capture as for a clip that travels
    (see the module docstring, step 2)."""
    config = ContactConfig() if config is None else config
    seq = seq.to(CANONICAL)
    relative = _relative(_checked(seq), seq.fps, config)  # (T, 16, 3)
    return _contacts(relative, seq.fps, config)


def plausible_reference(seq: PoseSequence, config: ContactConfig | None = None) -> PoseSequence:
    """The canonical ``seq`` as a motion a body can perform: filtered, its root's travel
    and height recovered from the feet in contact, the feet planted while in contact, on
    one floor (the module docstring's five steps).

    :param seq: a PoseSequence at any fps on a skeleton that maps onto the canonical one
        (``seq.to(CANONICAL)``): a capture (hip-centred, jittery, with gaps) or any clip;
        its own root motion is discarded and read again off its feet (its own foot
        points, if it has any, too: the feet are laid flat where they are planted).
    :param config: the thresholds (:class:`ContactConfig`).
    :returns: a PoseSequence on :data:`CANONICAL_FEET`, same frames and fps: the 16 joints
        with ``seq``'s confidence, every position finite (gaps filled), the pelvis starting
        where ``seq``'s first frame has it horizontally; the foot points with each foot's
        contact weight as confidence.
    :raises MarionnetteError: under 2 frames, or the pelvis or an ankle never seen.
    """
    config = ContactConfig() if config is None else config
    seq = seq.to(CANONICAL)
    fps = seq.fps
    positions = _checked(seq)  # (T, 16, 3) float64, gaps filled
    relative = _relative(positions, fps, config)  # (T, 16, 3) about the pelvis, filtered
    contacts = _contacts(relative, fps, config)  # (T, 2)
    weights = _weights(contacts, fps, config)  # (T, 2) in [0, 1], 0 off contact
    ankles = relative[:, _ANKLES]  # (T, 2, 3)

    # The root: travel from the contact feet's motion, height from theirs.
    total = weights.sum(axis=1)  # (T,)
    held = total > 0
    velocity = np.gradient(ankles, axis=0) * fps  # (T, 2, 3) m/s about the pelvis
    root = np.zeros((len(seq), 3))
    if held.any():
        step = -_interpolate((weights[..., None] * velocity[..., _FLAT]).sum(axis=1), held, total)  # (T, 2) m/s
        travel = np.concatenate([np.zeros((1, 2)), np.cumsum((step[1:] + step[:-1]) / 2, axis=0) / fps])  # (T, 2) m
        contact_height = _interpolate((weights * ankles[..., _UP]).sum(axis=1, keepdims=True), held, total)  # (T, 1)
        root[:, _FLAT] = travel
        root[:, _UP] = config.ankle_height - contact_height[:, 0]
    else:  # no foot is ever on the floor: nothing to read the root off, it stays at the lowest ankle's
        root[:, _UP] = config.ankle_height - ankles[..., _UP].min(axis=1)
    root[:, _FLAT] += positions[0, CanonicalJoint.PELVIS, _FLAT]
    root = _lowpass(root, fps, config.cutoff)
    world = relative + root[:, None, :]  # (T, 16, 3)

    # Plant the feet: each contact's ankle holds its mean horizontal place.
    for foot, (ankle, knee) in enumerate(zip(_ANKLES, _KNEES, strict=True)):
        correction = _planting(world[:, ankle, _FLAT], contacts[:, foot], fps, config)  # (T, 2)
        world[:, ankle, _FLAT] += correction
        world[:, knee, _FLAT] += correction / 2

    # One floor for the clip: the contact ankles' median height at ankle_height.
    if contacts.any():
        floor = float(np.median(world[:, _ANKLES, _UP][contacts]))
        world[..., _UP] += config.ankle_height - floor
    feet = _flat_feet(world, config)  # (T, 6, 3)
    confidence = np.concatenate([seq.confidence, np.repeat(weights, len(config.flat_foot), axis=1)], axis=1)
    return PoseSequence(np.concatenate([world, feet], axis=1), fps, CANONICAL_FEET, confidence)


def foot_slide(seq: PoseSequence, contacts: np.ndarray) -> float:
    """m/s: the mean horizontal speed of the ankles over the frames where ``contacts``
    ``(T, 2)`` says they are on the floor (0 for feet that stay planted; a hip-centred
    walk slides its stance foot at the walking speed). NaN with no contact frame."""
    seq = seq.to(CANONICAL)
    contacts = np.asarray(contacts, dtype=bool)
    if contacts.shape != (len(seq), 2):
        raise MarionnetteError(
            f"contacts have shape {contacts.shape}, expected ({len(seq)}, 2): one per frame and foot"
        )
    if len(seq) < 2 or not contacts.any():
        return float("nan")
    ankles = _checked(seq)[:, _ANKLES][..., _FLAT]  # (T, 2, 2)
    speed = np.linalg.norm(np.gradient(ankles, axis=0), axis=-1) * seq.fps  # (T, 2)
    return float(speed[contacts].mean())


# -- the steps ------------------------------------------------------------------------------


def _checked(seq: PoseSequence) -> np.ndarray:
    """``(T, 16, 3)`` float64 positions of a canonical ``seq``, gaps filled by linear
    interpolation in time (held before the first and after the last sight)."""
    if len(seq) < 2:
        raise MarionnetteError(f"PoseSequence of {len(seq)} frame(s): foot contacts need at least 2 frames")
    seen = seq.confidence > 0  # (T, 16)
    for joint in (CanonicalJoint.PELVIS, *_ANKLES):
        if not seen[:, joint].any():
            raise MarionnetteError(
                f"joint {CANONICAL.joints[joint]} is never seen (confidence 0 in all {len(seq)} frames): "
                f"a reference needs the pelvis and both ankles"
            )
    positions = seq.positions.astype(np.float64)  # (T, 16, 3)
    frames = np.arange(len(seq))
    never = []
    for j in np.flatnonzero(~seen.all(axis=0)):
        known = np.flatnonzero(seen[:, j])
        if len(known) == 0:
            never.append(j)
            continue
        for axis in range(3):
            positions[:, j, axis] = np.interp(frames, known, positions[known, j, axis])
    for j in never:  # a joint never seen (confidence 0 throughout) stays at the pelvis
        positions[:, j] = positions[:, CanonicalJoint.PELVIS]
    return positions


def _lowpass(x: np.ndarray, fps: float, cutoff: float) -> np.ndarray:
    """``x (T, ...)`` through a zero-phase Butterworth low-pass along time (unchanged when
    ``cutoff`` is at or above half of ``fps``)."""
    if cutoff >= fps / 2 or len(x) < 2:
        return x.copy()
    from scipy.signal import butter, sosfiltfilt  # here: scipy.signal takes ~0.9 s to import

    sos = butter(_ORDER, cutoff, fs=fps, output="sos")
    padlen = min(3 * (2 * len(sos) + 1), len(x) - 1)  # sosfiltfilt's default, cut for short clips
    return sosfiltfilt(sos, x, axis=0, padlen=padlen)


def _relative(positions: np.ndarray, fps: float, config: ContactConfig) -> np.ndarray:
    """``(T, 16, 3)``: the joints about the pelvis, filtered."""
    relative = positions - positions[:, CanonicalJoint.PELVIS : CanonicalJoint.PELVIS + 1]
    return _lowpass(relative, fps, config.cutoff)


def _contacts(relative: np.ndarray, fps: float, config: ContactConfig) -> np.ndarray:
    """``(T, 2)`` bool contacts of hip-centred, filtered ``relative (T, 16, 3)``."""
    ankles = relative[:, _ANKLES]  # (T, 2, 3)
    height = ankles[..., _UP]  # (T, 2)
    above = height - height.min(axis=1, keepdims=True)  # (T, 2) m above the lower ankle
    # The support: the lower foot, half each when level; speed over the floor is the
    # speed relative to it.
    # Read on the heights' mean over `blend` (centred): as a foot starts to lift, the
    # frames just after say which one it is better than its first few millimetres do.
    size = max(1, int(round(config.blend * fps)))
    rise = uniform_filter1d(height[:, 1] - height[:, 0], size=size, mode="nearest")  # (T,) the right over the left
    if config.support_blend > 0:
        left = 1.0 / (1.0 + np.exp(-np.clip(rise / config.support_blend, -50.0, 50.0)))  # (T,)
    else:
        left = np.where(rise > 0, 1.0, np.where(rise < 0, 0.0, 0.5))
    support = np.stack([left, 1.0 - left], axis=1)  # (T, 2)
    velocity = np.gradient(ankles[..., _FLAT], axis=0) * fps  # (T, 2, 2) m/s about the pelvis
    over_floor = velocity - (support[..., None] * velocity).sum(axis=1, keepdims=True)  # (T, 2, 2)
    speed = np.linalg.norm(over_floor, axis=-1)  # (T, 2)
    enter = (above < config.height_on) & (speed < config.speed_on)  # (T, 2)
    leave = (above > config.height_off) | (speed > config.speed_off)
    contacts = np.zeros_like(enter)
    shortest = int(round(config.min_contact * fps))
    for foot in range(2):
        on = False
        for t in range(len(enter)):
            on = (not leave[t, foot]) if on else bool(enter[t, foot])
            contacts[t, foot] = on
        contacts[:, foot] = _drop_short(contacts[:, foot], shortest)
    return contacts


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """``[(start, stop), ...]``: the runs of True in ``flags (T,)``, ``stop`` exclusive."""
    edges = np.diff(np.concatenate([[0], flags.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def _drop_short(flags: np.ndarray, shortest: int) -> np.ndarray:
    out = flags.copy()
    for start, stop in _runs(flags):
        if stop - start < shortest:
            out[start:stop] = False
    return out


def _weights(contacts: np.ndarray, fps: float, config: ContactConfig) -> np.ndarray:
    """``(T, 2)`` each contact foot's weight in the root: 0 off contact, ramping from 0 to 1
    over ``blend`` inwards from either end of a contact (a foot landing or lifting moves
    a little while it is in contact), 1 all along a contact that fills the clip."""
    size = max(1, config.blend * fps)  # frames
    weights = np.zeros(contacts.shape)
    for foot in range(contacts.shape[1]):
        if contacts[:, foot].any():
            edge = distance_transform_edt(contacts[:, foot])  # (T,) frames to the nearest frame off contact
            weights[:, foot] = np.minimum(edge / size, 1.0)
    return weights


def _interpolate(values: np.ndarray, known: np.ndarray, total: np.ndarray) -> np.ndarray:
    """``values (T, D)`` (weighted sums over the contact feet, ``total (T,)`` their weights)
    as means where ``known``, linearly interpolated between the known frames elsewhere."""
    frames = np.arange(len(values))
    means = values[known] / total[known][:, None]
    return np.stack([np.interp(frames, frames[known], means[:, d]) for d in range(values.shape[1])], axis=1)


def _flat_feet(world: np.ndarray, config: ContactConfig) -> np.ndarray:
    """``(T, 6, 3)`` the foot points of flat feet under the ankles of ``world (T, 16, 3)``,
    in :class:`~marionnette.motion.mapping.FootPoint` order, pointing the way the hips
    face (perpendicular to the right-to-left hip axis, in the floor's plane)."""
    across = world[:, CanonicalJoint.LEFT_HIP] - world[:, CanonicalJoint.RIGHT_HIP]  # (T, 3) to the left
    forward = np.stack([-across[:, 2], np.zeros(len(world)), across[:, 0]], axis=1)  # (T, 3) left x up
    forward /= np.maximum(np.linalg.norm(forward, axis=1, keepdims=True), 1e-9)
    up = np.array([0.0, 1.0, 0.0])
    points = [
        world[:, ankle] + ahead * forward + rise * up for ankle in _ANKLES for ahead, rise in config.flat_foot
    ]  # FootPoint order: the left foot's heel, toe base, toe tip, then the right's
    return np.stack(points, axis=1)


def _planting(flat: np.ndarray, contact: np.ndarray, fps: float, config: ContactConfig) -> np.ndarray:
    """``(T, 2)`` the horizontal correction that holds one ankle ``flat (T, 2)`` at its
    mean place through each run of ``contact (T,)``, fading out linearly over ``blend``
    on either side (two fades that meet add up)."""
    T = len(flat)
    correction = np.zeros((T, 2))
    fade = int(round(config.blend * fps))
    for start, stop in _runs(contact):
        hold = flat[start:stop].mean(axis=0) - flat[start:stop]  # (n, 2)
        correction[start:stop] += hold
        for k in range(1, fade + 1):  # stops at the next contact, which holds on its own
            before, after, share = start - k, stop - 1 + k, 1.0 - k / (fade + 1)
            if before >= 0 and not contact[before:start].any():
                correction[before] += share * hold[0]
            if after < T and not contact[stop : after + 1].any():
                correction[after] += share * hold[-1]
    return correction


__all__ = ["CANONICAL_FEET", "ContactConfig", "foot_contacts", "foot_slide", "plausible_reference"]
