"""ByteTrack: multi-object tracking by associating every detection box, low scores included.

A tracker turns a detector's boxes, frame by frame, into tracks: one id per object for as
long as it is in view. Each track carries a Kalman filter on its box; every frame the
filters predict where the tracks went and the Hungarian algorithm pairs predictions with
the new boxes by IoU. What ByteTrack (Zhang et al., "ByteTrack: Multi-Object Tracking by
Associating Every Detection Box", ECCV 2022) adds to SORT (Bewley et al., "Simple Online
and Realtime Tracking", ICIP 2016) is a second association: the tracks the confident boxes
left unmatched are offered the low-score boxes, which are mostly the same objects half
hidden. SORT throws those boxes away and loses the track for as long as the occlusion
lasts; ByteTrack keeps it.

Per frame (``ByteTracker.update``)::

    boxes (N, 4) xyxy, scores (N,), embeddings (N, D) | None
      split:    high = score > track_thresh;  low = low_thresh < score <= track_thresh
      predict:  every track's Kalman filter one frame ahead (a lost track's height velocity frozen)
      stage 1:  confirmed + lost tracks  x  high boxes, cost 1 - IoU * score    (<= match_thresh)
      stage 2:  tracks left unmatched    x  low boxes,  cost 1 - IoU           (<= second_match_thresh)
                ("byte" only: "sort" drops the low boxes and stops here)
      re-id:    lost tracks left         x  high boxes left, appearance alone  (appearance and reid_lost)
      stage 3:  unconfirmed tracks       x  high boxes left                    (<= unconfirmed_match_thresh)
      birth:    high boxes left with score > new_track_thresh start unconfirmed tracks
      death:    a track unmatched for more than max_time_lost frames is removed
    -> (M, 6): track_id, x1, y1, x2, y2, score of the tracks matched this frame

A new track is confirmed (given an id and reported) when a box matches it on the next
frame; on the very first frame tracks are confirmed at once, as ByteTrack does. Ids count
from 1 and are never reused; they are given at confirmation, so one-frame false positives
use up none. A track that stops matching is *lost*: still predicted and still offered
every box, for up to ``max_time_lost = track_buffer * frame_rate / 30`` frames.

Motion model (ByteTrack's, after DeepSORT): the state is ``(cx, cy, a, h, vcx, vcy, va,
vh)`` with ``a = w / h``, constant velocity, one frame a step; the noise standard
deviations scale with the box height (1/20 of it for positions, 1/160 for velocities), so
a big near box may jump more pixels than a small far one. It is filterpy's
``KalmanFilter`` with those matrices. ``kalman="xywh"`` is BoT-SORT's state instead
(:class:`BoxKalman` says when each wins).

Appearance (``appearance=True``, after BoT-SORT: Aharon et al., "BoT-SORT: Robust
Associations Multi-Pedestrian Tracking", 2022): each high box brings an embedding (a
re-identification network's output, any D); a track keeps an exponential moving average
of its boxes' embeddings (momentum ``embedding_momentum``, unit length). ``reid_lost``
adds the re-id stage: a lost track may take a box by appearance alone, wherever it is,
which is what keeps an identity across an occlusion long enough for the object to turn or
reappear elsewhere. With ``fuse_appearance`` (BoT-SORT's own use, off by default) stages 1
and 3 also cost a pair by the smaller of the IoU cost and half the cosine distance, the
latter only where the boxes overlap (IoU distance <= ``proximity_thresh``) and the
appearance is close (<= ``appearance_thresh``); where look-alikes cross, that swaps them.

Modes: ``"byte"`` (ByteTrack) and ``"sort"`` (the same tracker with the second stage
off: SORT's one association on the confident boxes, the ablation of the ByteTrack paper).
"""

from __future__ import annotations

import difflib
import enum
from dataclasses import dataclass

import numpy as np
from filterpy.kalman import KalmanFilter
from scipy.optimize import linear_sum_assignment

from marionnette.errors import MarionnetteError

MODES = ("byte", "sort")
KALMAN_STATES = ("xywh", "xyah")

# ByteTrack's KalmanFilter (yolox/tracker/kalman_filter.py): noise as fractions of the box height.
_STD_WEIGHT_POSITION = 1.0 / 20
_STD_WEIGHT_VELOCITY = 1.0 / 160


@dataclass
class TrackerConfig:
    """ByteTrack's settings (its defaults for MOT17), SORT mode and BoT-SORT's appearance terms."""

    mode: str = "byte"
    """``"byte"``: two-stage association (high boxes, then low ones); ``"sort"``: high boxes only."""
    kalman: str = "xyah"
    """The filter's state: BoT-SORT's ``"xywh"`` or ByteTrack's ``"xyah"`` (:class:`BoxKalman`)."""
    track_thresh: float = 0.5
    """Detection score splitting high boxes (stage 1, births) from low ones (stage 2)."""
    low_thresh: float = 0.1
    """Boxes scoring this or less are dropped as background."""
    new_track_thresh: float | None = None
    """Score a high box needs to start a track; None: ``track_thresh + 0.1`` (computed in runtime)."""
    match_thresh: float = 0.8
    """Largest cost (1 - IoU, times the score with ``fuse_score``) a stage-1 pair may have."""
    second_match_thresh: float = 0.5
    """Largest IoU distance of a stage-2 pair (a track and a low box)."""
    unconfirmed_match_thresh: float = 0.7
    """Largest cost of a pair between a one-frame-old track and a high box."""
    track_buffer: int = 30
    """Frames (at 30 fps) a lost track waits to be found again before it is removed."""
    frame_rate: float = 30.0
    """Frames per second of the video; scales ``track_buffer``."""
    fuse_score: bool = True
    """Multiply the IoU by the box's score in stages 1 and 3 (ByteTrack, off for its MOT20 runs)."""
    appearance: bool = False
    """Use the embeddings given to ``update`` (BoT-SORT); ``update`` then requires them."""
    proximity_thresh: float = 0.5
    """Appearance may pair a track and a box only where their IoU distance is at most this."""
    appearance_thresh: float = 0.25
    """Largest appearance cost (half the cosine distance, in [0, 1]) of a pair."""
    embedding_momentum: float = 0.9
    """Weight of the track's old embedding in its moving average."""
    reid_lost: bool = True
    """With ``appearance``: a lost track may take a box by appearance alone, IoU or not."""
    fuse_appearance: bool = False
    """With ``appearance``: BoT-SORT's stage 1 and 3 cost, the lesser of the IoU and the appearance
    cost for boxes near by. Off (the default), appearance only re-finds lost tracks. Which wins
    depends on the detector (docs/BENCHMARKS.md, the pitch's gap runs): with one, fusion swapped
    look-alike teammates where they crossed (20 ID switches against 7); with the 50-epoch p2
    detector, fusion with re-id had 14 against 24. Turn it on where kits differ."""
    max_time_lost: int = 0
    """``int(track_buffer * frame_rate / 30)`` (computed in runtime)."""

    def __post_init__(self):
        if self.mode not in MODES:
            close = difflib.get_close_matches(str(self.mode), MODES, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise MarionnetteError(f"TrackerConfig mode {self.mode!r} is unknown: {hint}use one of {MODES}")
        if self.kalman not in KALMAN_STATES:
            raise MarionnetteError(f"TrackerConfig kalman {self.kalman!r} is unknown: use one of {KALMAN_STATES}")
        if self.new_track_thresh is None:
            self.new_track_thresh = self.track_thresh + 0.1
        for name in ("track_thresh", "low_thresh", "new_track_thresh", "match_thresh", "second_match_thresh",
                     "unconfirmed_match_thresh", "proximity_thresh", "appearance_thresh"):  # fmt: skip
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise MarionnetteError(f"TrackerConfig {name}={value}: give a number between 0 and 1")
        if self.low_thresh >= self.track_thresh:
            raise MarionnetteError(f"TrackerConfig low_thresh={self.low_thresh} is not below "
                                   f"track_thresh={self.track_thresh}: lower it")  # fmt: skip
        if not 0.0 <= self.embedding_momentum < 1.0:
            raise MarionnetteError(f"TrackerConfig embedding_momentum={self.embedding_momentum}: give 0 <= m < 1")
        if self.track_buffer < 0 or self.frame_rate <= 0:
            raise MarionnetteError(f"TrackerConfig track_buffer={self.track_buffer}, frame_rate={self.frame_rate}: "
                                   "give a buffer >= 0 frames and a frame rate > 0")  # fmt: skip
        self.max_time_lost = int(self.frame_rate / 30.0 * self.track_buffer)


class BoxKalman:
    """A constant-velocity Kalman filter on a box, one frame a step: BoT-SORT's ``(cx, cy, w, h)``
    state (``state="xywh"``) or ByteTrack's ``(cx, cy, w / h, h)`` (``state="xyah"``).

    Noise scales with the box: ByteTrack's fractions of the height for every side; BoT-SORT's of
    the width for x and w, of the height for y and h. ByteTrack's aspect ratio has a fixed, small
    process noise (1e-2): a box whose shape changes fast (a player walking in from the frame's
    edge) is drawn with a lagging width, which BoT-SORT's state follows. But the same stiffness
    carries a narrow player's box through a turn, where BoT-SORT's width velocity shoots past and
    loses it: on the pitch scenes' true boxes ByteTrack's state keeps more identities (IDF1 0.954
    against 0.947 over 8 sequences, docs/BENCHMARKS.md), so it is the default.
    """

    def __init__(self, box: np.ndarray, state: str = "xyah"):
        if state not in KALMAN_STATES:
            raise MarionnetteError(f"Kalman state {state!r} is unknown: use one of {KALMAN_STATES}")
        self.state = state
        z = self._measure(np.asarray(box, dtype=np.float64))  # (4,)
        self.kf = KalmanFilter(dim_x=8, dim_z=4)
        self.kf.F = np.eye(8)
        self.kf.F[:4, 4:] = np.eye(4)  # position += velocity, dt = 1 frame
        self.kf.H = np.eye(4, 8)
        self.kf.x = np.concatenate([z, np.zeros(4)])[:, None]  # (8, 1), at rest
        p, v = self._scales(z)
        self.kf.P = np.diag(np.square(np.concatenate([2 * p, 10 * v])))  # speed unknown

    def _measure(self, box: np.ndarray) -> np.ndarray:
        w, h = box[2] - box[0], box[3] - box[1]
        return np.array([box[0] + w / 2, box[1] + h / 2, w if self.state == "xywh" else w / h, h])

    def _scales(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Position and velocity noise (4,) each, for the state or measurement ``z`` (4,)."""
        if self.state == "xywh":
            sides = np.array([z[2], z[3], z[2], z[3]])
            return _STD_WEIGHT_POSITION * sides, _STD_WEIGHT_VELOCITY * sides
        h = z[3]
        return (np.array([_STD_WEIGHT_POSITION * h, _STD_WEIGHT_POSITION * h, 1e-2, _STD_WEIGHT_POSITION * h]),
                np.array([_STD_WEIGHT_VELOCITY * h, _STD_WEIGHT_VELOCITY * h, 1e-5, _STD_WEIGHT_VELOCITY * h]))

    def predict(self, freeze_size: bool = False) -> None:
        """One frame ahead; ``freeze_size`` (a lost track) stops the box growing or shrinking unseen."""
        if freeze_size:
            self.kf.x[7, 0] = 0.0
            if self.state == "xywh":
                self.kf.x[6, 0] = 0.0
        p, v = self._scales(self.kf.x[:4, 0])
        self.kf.predict(Q=np.diag(np.square(np.concatenate([p, v]))))

    def update(self, box: np.ndarray) -> None:
        """Correct with a measured box ``(4,)`` xyxy."""
        p, _ = self._scales(self.kf.x[:4, 0])  # the trackers' project(): noise of the predicted box
        if self.state == "xyah":
            p[2] = 1e-1
        self.kf.update(self._measure(np.asarray(box, dtype=np.float64)), R=np.diag(np.square(p)))

    @property
    def box(self) -> np.ndarray:
        """The state's box ``(4,)`` xyxy."""
        cx, cy, a, h = self.kf.x[:4, 0]
        w = a if self.state == "xywh" else a * h
        return np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])


class _State(enum.Enum):
    TRACKED = "tracked"
    LOST = "lost"


class _Track:
    """One object's filter, id, last score and appearance."""

    def __init__(self, box: np.ndarray, score: float, embedding: np.ndarray | None, frame: int, state: str):
        self.kalman = BoxKalman(box, state)
        self.track_id = 0  # 0 until confirmed
        self.state = _State.TRACKED
        self.score = score
        self.embedding = embedding  # (D,) unit, or None
        self.last_frame = frame

    @property
    def confirmed(self) -> bool:
        return self.track_id > 0

    def match(self, box: np.ndarray, score: float, embedding: np.ndarray | None, frame: int, momentum: float):
        self.kalman.update(box)
        self.state = _State.TRACKED
        self.score = score
        self.last_frame = frame
        if embedding is not None:  # low boxes bring none: half hidden, their appearance is the occluder's
            mixed = embedding if self.embedding is None else momentum * self.embedding + (1 - momentum) * embedding
            self.embedding = mixed / max(np.linalg.norm(mixed), 1e-12)


class ByteTracker:
    """ByteTrack (or SORT) on a detector's boxes, one ``update`` a frame; see the module docstring."""

    def __init__(self, config: TrackerConfig | None = None):
        self.config = config or TrackerConfig()
        self.reset()

    def reset(self) -> None:
        """Forget every track; ids start again at 1."""
        self._tracks: list[_Track] = []
        self._next_id = 1
        self.frame_id = 0

    def update(self, boxes: np.ndarray, scores: np.ndarray, embeddings: np.ndarray | None = None) -> np.ndarray:
        """One frame's boxes ``(N, 4)`` xyxy, scores ``(N,)``, embeddings ``(N, D)`` -> ``(M, 6)``.

        Returns the tracks matched this frame: ``track_id, x1, y1, x2, y2, score`` (the filter's
        box after the update, the matched box's score), ordered by id.

        Raises:
            MarionnetteError: arrays of the wrong shape, boxes with no area, non-finite values,
                or ``appearance`` on and no embeddings.
        """
        cfg = self.config
        boxes, scores, embeddings = _check_frame(boxes, scores, embeddings, cfg.appearance)
        self.frame_id += 1
        frame = self.frame_id

        high = scores > cfg.track_thresh
        low = (scores > cfg.low_thresh) & ~high
        hi = np.flatnonzero(high)  # indices into this frame's boxes
        lo = np.flatnonzero(low) if cfg.mode == "byte" else np.empty(0, dtype=np.int64)

        for t in self._tracks:
            t.kalman.predict(freeze_size=t.state is _State.LOST)

        def take(track: _Track, i: int, with_embedding: bool = True):
            emb = embeddings[i] if (embeddings is not None and with_embedding) else None
            track.match(boxes[i], float(scores[i]), emb, frame, cfg.embedding_momentum)

        # Stage 1: confirmed and lost tracks x high boxes (IoU fused with score, appearance near by).
        pool = [t for t in self._tracks if t.confirmed]
        cost = self._cost(pool, boxes[hi], scores[hi], None if embeddings is None else embeddings[hi], cfg.fuse_score)
        matches, free_tracks, free_hi = _assign(cost, cfg.match_thresh)
        for r, c in matches:
            take(pool[r], hi[c])
        pool = [pool[r] for r in free_tracks]
        hi = hi[free_hi]

        # Stage 2 (ByteTrack): the tracks seen last frame x low boxes, IoU alone.
        recent = [t for t in pool if t.state is _State.TRACKED]
        if len(lo):
            matches, _, _ = _assign(1.0 - _iou(_boxes_of(recent), boxes[lo]), cfg.second_match_thresh)
            for r, c in matches:
                take(recent[r], lo[c], with_embedding=False)
        for t in recent:
            if t.last_frame != frame:
                t.state = _State.LOST

        # Re-identification: lost tracks x high boxes left, appearance alone, wherever the box is.
        if cfg.appearance and cfg.reid_lost:
            lost = [t for t in pool if t.state is _State.LOST and t.last_frame != frame]
            if lost and len(hi):
                matches, _, free_hi = _assign(_appearance_cost(lost, embeddings[hi]), cfg.appearance_thresh)
                for r, c in matches:
                    take(lost[r], hi[c])
                hi = hi[free_hi]

        # Stage 3: last frame's new tracks x high boxes left; a match confirms, no match removes.
        new = [t for t in self._tracks if not t.confirmed and t.last_frame < frame]
        cost = self._cost(new, boxes[hi], scores[hi], None if embeddings is None else embeddings[hi], cfg.fuse_score)
        matches, _, free_hi = _assign(cost, cfg.unconfirmed_match_thresh)
        for r, c in matches:
            take(new[r], hi[c])
            self._confirm(new[r])
        hi = hi[free_hi]

        # Birth: confident boxes nobody took; confirmed now on the first frame, else on their next match.
        for i in hi:
            if scores[i] > cfg.new_track_thresh:
                track = _Track(boxes[i], float(scores[i]), None, frame, cfg.kalman)
                if embeddings is not None:
                    track.embedding = embeddings[i]
                if frame == 1:
                    self._confirm(track)
                self._tracks.append(track)

        # Death: unconfirmed tracks get one frame; lost ones max_time_lost frames.
        self._tracks = [
            t
            for t in self._tracks
            if (t.confirmed or t.last_frame == frame) and frame - t.last_frame <= cfg.max_time_lost
        ]

        out = [t for t in self._tracks if t.confirmed and t.last_frame == frame]
        out.sort(key=lambda t: t.track_id)
        rows = np.zeros((len(out), 6))  # (M, 6): id, x1, y1, x2, y2, score
        for k, t in enumerate(out):
            rows[k] = (t.track_id, *t.kalman.box, t.score)
        return rows

    def _confirm(self, track: _Track) -> None:
        track.track_id = self._next_id
        self._next_id += 1

    def _cost(self, tracks, boxes, scores, embeddings, fuse: bool) -> np.ndarray:
        """Stage 1 and 3 cost ``(T, N)``: ByteTrack's fused IoU, BoT-SORT's appearance where boxes overlap."""
        iou_dist = 1.0 - _iou(_boxes_of(tracks), boxes)
        cost = 1.0 - (1.0 - iou_dist) * scores[None, :] if fuse else iou_dist
        if self.config.appearance and self.config.fuse_appearance and len(tracks) and len(boxes):
            emb = _appearance_cost(tracks, embeddings)
            emb[emb > self.config.appearance_thresh] = 1.0
            emb[iou_dist > self.config.proximity_thresh] = 1.0  # far apart: the look-alike is someone else
            cost = np.minimum(cost, emb)
        return cost


def track_sequence(
    detections: np.ndarray, config: TrackerConfig | None = None, embeddings: np.ndarray | None = None
) -> np.ndarray:
    """Track MOTChallenge detection rows ``(N, 7..10)`` -> tracker rows ``(M, 10)``, frame by frame.

    ``detections``: ``frame, id, left, top, width, height, conf, ...`` (what ``mot.read_mot``
    returns; ids ignored); ``embeddings``: ``(N, D)``, one per row, for ``config.appearance``.
    Every frame from 1 to the last is run, empty ones too (lost tracks age on them). Returns
    ``frame, id, left, top, width, height, score, -1, -1, -1`` rows sorted by frame then id.
    """
    detections = np.asarray(detections, dtype=np.float64)
    if detections.ndim != 2 or detections.shape[1] < 7:
        raise MarionnetteError(f"detections of shape {detections.shape}: give MOT rows (N, 7..10): "
                               "frame, id, left, top, width, height, conf, ...")  # fmt: skip
    frames = detections[:, 0]
    if len(frames) and ((frames < 1) | (frames != np.round(frames))).any():
        bad = int(np.flatnonzero((frames < 1) | (frames != np.round(frames)))[0])
        raise MarionnetteError(f"detections row {bad + 1}: frame {frames[bad]} is not a whole number >= 1 "
                               "(MOTChallenge frames count from 1)")  # fmt: skip
    if embeddings is not None:
        embeddings = np.asarray(embeddings, dtype=np.float64)
        if embeddings.ndim != 2 or len(embeddings) != len(detections):
            raise MarionnetteError(f"embeddings of shape {embeddings.shape} for {len(detections)} detections: "
                                   "give one row (N, D) per detection")  # fmt: skip
    order = np.argsort(frames, kind="stable")
    detections = detections[order]
    embeddings = None if embeddings is None else embeddings[order]
    tracker = ByteTracker(config)
    last = int(detections[-1, 0]) if len(detections) else 0
    starts = np.searchsorted(detections[:, 0], np.arange(1, last + 2))  # (last + 1,) row ranges per frame
    out = []
    for frame in range(1, last + 1):
        rows = detections[starts[frame - 1] : starts[frame]]  # (n, 10)
        xyxy = np.concatenate([rows[:, 2:4], rows[:, 2:4] + rows[:, 4:6]], axis=1)
        emb = None if embeddings is None else embeddings[starts[frame - 1] : starts[frame]]
        try:
            tracks = tracker.update(xyxy, rows[:, 6], emb)  # (M, 6)
        except MarionnetteError as e:
            raise MarionnetteError(f"detections of frame {frame}: {e}") from e
        block = np.full((len(tracks), 10), -1.0)
        block[:, 0] = frame
        block[:, 1] = tracks[:, 0]
        block[:, 2:4] = tracks[:, 1:3]
        block[:, 4:6] = tracks[:, 3:5] - tracks[:, 1:3]
        block[:, 6] = tracks[:, 5]
        out.append(block)
    return np.concatenate(out) if out else np.zeros((0, 10))


def _check_frame(boxes, scores, embeddings, appearance: bool):
    """The frame's arrays as float64 ``(N, 4)``, ``(N,)``, unit ``(N, D)`` | None, or one line naming the fault."""
    boxes = np.asarray(boxes, dtype=np.float64)
    boxes = boxes.reshape(0, 4) if boxes.size == 0 else boxes  # an empty frame may come as [] or (0, 4)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    if boxes.ndim != 2 or boxes.shape[1] != 4 or len(scores) != len(boxes):
        raise MarionnetteError(f"boxes {boxes.shape} and scores {scores.shape}: give boxes (N, 4) x1, y1, x2, y2 "
                               "and one score (N,) per box")  # fmt: skip
    if not (np.isfinite(boxes).all() and np.isfinite(scores).all()):
        raise MarionnetteError("boxes or scores hold NaN or infinity: give finite pixel boxes and scores")
    empty = (boxes[:, 2] <= boxes[:, 0]) | (boxes[:, 3] <= boxes[:, 1])
    if empty.any():
        i = int(np.flatnonzero(empty)[0])
        raise MarionnetteError(f"box {i} {boxes[i].tolist()} has width or height 0 or less: give x1 < x2, y1 < y2")
    if appearance and embeddings is None:
        raise MarionnetteError("TrackerConfig appearance=True but no embeddings: pass embeddings (N, D) to update")
    if embeddings is None or not appearance:
        return boxes, scores, None
    embeddings = np.asarray(embeddings, dtype=np.float64)
    if embeddings.ndim != 2 or len(embeddings) != len(boxes) or not np.isfinite(embeddings).all():
        raise MarionnetteError(f"embeddings of shape {embeddings.shape} for {len(boxes)} boxes: give (N, D), finite")
    return boxes, scores, embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-12)


def _assign(cost: np.ndarray, thresh: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hungarian pairs of cost at most ``thresh``: (K, 2) matches, free rows, free columns.

    As ByteTrack's ``lap.lapjv(cost, extend_cost=True, cost_limit=thresh)``: the matrix is
    extended so that leaving a row and a column both unpaired costs ``thresh``, hence no pair
    above it is ever taken, and a cheap pair is never given up to make room for more pairs.
    """
    n, m = cost.shape
    if n == 0 or m == 0:
        return np.zeros((0, 2), dtype=np.int64), np.arange(n), np.arange(m)
    extended = np.full((n + m, n + m), thresh / 2.0)
    extended[:n, :m] = cost
    extended[n:, m:] = 0.0
    rows, cols = linear_sum_assignment(extended)
    real = (rows < n) & (cols < m)
    matches = np.stack([rows[real], cols[real]], axis=1)
    return matches, np.setdiff1d(np.arange(n), matches[:, 0]), np.setdiff1d(np.arange(m), matches[:, 1])


def _appearance_cost(tracks: list[_Track], embeddings: np.ndarray) -> np.ndarray:
    """Half the cosine distance ``(T, N)`` in [0, 1], as BoT-SORT; 1 for a track with no embedding yet."""
    cost = np.ones((len(tracks), len(embeddings)))
    for r, t in enumerate(tracks):
        if t.embedding is not None:
            cost[r] = (1.0 - embeddings @ t.embedding) / 2.0
    return cost


def _boxes_of(tracks: list[_Track]) -> np.ndarray:
    return np.array([t.kalman.box for t in tracks]).reshape(-1, 4)  # (T, 4) xyxy


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU ``(A, B)`` of xyxy boxes ``(A, 4)`` and ``(B, 4)`` (torchvision's ``box_iou``)."""
    import torch
    from torchvision.ops import box_iou

    return box_iou(torch.from_numpy(np.asarray(a, np.float64)), torch.from_numpy(np.asarray(b, np.float64))).numpy()


__all__ = ["KALMAN_STATES", "MODES", "BoxKalman", "ByteTracker", "TrackerConfig", "track_sequence"]
