"""The re-identification embedding: semi-hard mining, the triplet loss, crops, and a learning check.

The learning check's people (:func:`person`) share colours and differ in the pattern on the
shirt: 3 shirt/trouser colour pairs x 4 patterns (horizontal stripes, vertical stripes,
checks, a white top half) of equal white area, on a noise background of a random colour,
with scale, position and brightness jitter. The 4 held-out identities are one colour pair
in all 4 patterns, so a colour histogram cannot tell them apart (rank-1 0.19-0.36 over
seeds 0-3, chance 0.25, AUC 0.50) and the untrained network barely (rank-1 0.31-0.59, AUC
0.51-0.65), while 150 steps of training reach rank-1 0.93-1.00, AUC 0.94-0.99. When the
held-out identities differ in colour too (one identity per pattern, mixed colour pairs), the
histogram gets 0.65 and the random network 0.71-0.93: colour alone is what they read.
"""

import shutil

import numpy as np
import pytest
import torch

from marionnette.errors import MarionnetteError
from marionnette.perception.detect import reid
from marionnette.perception.detect.reid import (
    CropSet,
    Embedder,
    EmbedderConfig,
    ReidTrainConfig,
    color_histograms,
    crops_from_tracks,
    scores,
    semi_hard_triplets,
    triplet_loss,
)
from marionnette.runs import Run, read_progress

PAIRS = (((200, 40, 40), (40, 40, 160)), ((40, 160, 60), (200, 200, 200)), ((220, 200, 40), (60, 30, 20)))
PATTERNS = ("hstripes", "vstripes", "checks", "tophalf")
SKIN, MARK = (220, 180, 150), (245, 245, 245)

pytestmark = pytest.mark.usefixtures("one_thread")


def person(rng: np.random.Generator, shirt, trousers, pattern: str, H: int = 48, W: int = 24) -> np.ndarray:
    """``(H, W, 3)`` uint8: a head, a patterned shirt and two trouser legs on coloured noise."""
    img = rng.uniform(0, 255, 3)[None, None] * 0.5 + rng.normal(0, 25, (H, W, 3)) + 60
    s, cx, top = rng.uniform(0.85, 1.0), W / 2 + rng.uniform(-2, 2), rng.uniform(0, 3)
    h = (H - 4) * s
    ys, xs = np.mgrid[0:H, 0:W].astype(float)
    head = (ys - (top + 0.1 * h)) ** 2 + ((xs - cx) * 1.2) ** 2 < (0.09 * h) ** 2
    torso = (ys >= top + 0.2 * h) & (ys < top + 0.55 * h) & (np.abs(xs - cx) < 0.17 * h)
    legs = (ys >= top + 0.55 * h) & (ys < top + h) & (np.abs(xs - cx) < 0.15 * h) & (np.abs(xs - cx) > 0.02 * h)
    ty, tx = ys - (top + 0.2 * h), xs - (cx - 0.17 * h)
    p = max(2.0, 0.05 * h)  # the stripes' width
    mark = {"hstripes": (ty // p) % 2 == 0, "vstripes": (tx // p) % 2 == 0,
            "checks": ((ty // p) + (tx // p)) % 2 == 0, "tophalf": ty < 0.175 * h}[pattern]  # fmt: skip
    img[head], img[legs], img[torso] = SKIN, trousers, shirt
    img[torso & mark] = MARK
    img = img * rng.uniform(0.7, 1.3) + rng.normal(0, 8, (H, W, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def people(per_identity: int = 20, seed: int = 0) -> CropSet:
    """12 identities (colour pair x pattern); those of the first colour pair in sequence 1 (held out)."""
    rng = np.random.default_rng(seed)
    crops, ids, seqs = [], [], []
    for c, (shirt, trousers) in enumerate(PAIRS):
        for q, pattern in enumerate(PATTERNS):
            crops += [person(rng, shirt, trousers, pattern) for _ in range(per_identity)]
            ids += [c * len(PATTERNS) + q] * per_identity
            seqs += [int(c == 0)] * per_identity
    return CropSet(np.stack(crops), np.array(ids), np.array(seqs), np.arange(len(ids)))


# ----------------------------------------------------------------------------- mining and loss


def brute_force(e: torch.Tensor, labels: torch.Tensor, margin: float) -> list[tuple[int, int, int]]:
    """The module docstring's rule, one pair at a time."""
    d = ((e[:, None] - e[None]) ** 2).sum(-1)
    out = []
    for a in range(len(e)):
        for p in range(len(e)):
            if a == p or labels[a] != labels[p]:
                continue
            negatives = [n for n in range(len(e)) if labels[n] != labels[a]]
            semi = [n for n in negatives if d[a, p] < d[a, n] < d[a, p] + margin]
            out.append((a, p, min(semi or negatives, key=lambda n: d[a, n])))
    return out


def test_semi_hard_mining_picks_exactly_the_negatives_inside_the_margin():
    # a = 0 and p = 1, d(a, p) = 1; margin 3: semi-hard means 1 < d(a, n) < 4 (every distance exact in floats)
    points = [(0, 0), (1, 0),  # identity 0: a, p
              (0.5, 0),  # hard: d = 0.25
              (0, 1),  # d = 1 = d(a, p): not semi-hard (strict)
              (2, 0),  # d = 4 = d(a, p) + margin: not semi-hard (strict)
              (0, 1.5),  # semi-hard, d = 2.25
              (0, -1.25),  # semi-hard, d = 1.5625: the nearest one, the pick
              (3, 0)]  # fmt: skip
    e = torch.tensor(points, dtype=torch.float32)
    labels = torch.tensor([0, 0, 1, 2, 1, 3, 4, 5])
    a, p, n = semi_hard_triplets(e, labels, margin=3.0)
    got = list(zip(a.tolist(), p.tolist(), n.tolist(), strict=True))
    assert (0, 1, 6) in got
    assert got == brute_force(e, labels, 3.0) and len(got) == 4  # (0,1), (1,0), (2,4), (4,2)
    # without (0, -1.25) the nearest semi-hard one is (0, 1.5); without any, the hardest negative (0.5, 0)
    keep = torch.tensor([0, 1, 2, 3, 4, 5, 7])
    assert semi_hard_triplets(e[keep], labels[keep], 3.0).negative[0] == 5
    keep = torch.tensor([0, 1, 2, 3, 4, 7])
    assert semi_hard_triplets(e[keep], labels[keep], 3.0).negative[0] == 2
    # all negatives beyond the margin: the nearest of them (its loss is 0)
    far = torch.tensor([[0, 0], [1, 0], [5, 0], [0, -6]], dtype=torch.float32)
    assert semi_hard_triplets(far, torch.tensor([0, 0, 1, 2]), 3.0).negative[0] == 2


def test_mining_matches_the_rule_on_random_batches():
    g = torch.Generator().manual_seed(0)
    for _ in range(5):
        e = torch.nn.functional.normalize(torch.randn(16, 3, generator=g), dim=1)
        labels = torch.arange(4).repeat_interleave(4)
        got = list(zip(*(t.tolist() for t in semi_hard_triplets(e, labels, 0.2)), strict=True))
        assert got == brute_force(e, labels, 0.2)


def test_the_loss_is_zero_when_every_triplet_keeps_the_margin_and_facenets_otherwise():
    tight = torch.tensor([[1.0, 0.0], [0.99, 0.141], [-1.0, 0.0], [-0.99, -0.141]])
    labels = torch.tensor([0, 0, 1, 1])
    out = triplet_loss(torch.nn.functional.normalize(tight, dim=1), labels, 0.2)
    assert out.loss.item() == 0.0 and out.active.item() == 0.0
    # two identities interleaved on a line: every triplet violates the margin
    e = torch.tensor([[0.0, 0.0], [2.0, 0.0], [1.0, 0.0], [3.0, 0.0]], requires_grad=True)
    out, d = triplet_loss(e, labels, 0.5), e.detach()
    want = np.mean([max(0.0, float(((d[a] - d[p]) ** 2).sum() - ((d[a] - d[n]) ** 2).sum()) + 0.5)
                    for a, p, n in brute_force(d, labels, 0.5)])  # fmt: skip
    assert out.loss.item() == pytest.approx(want) and out.loss.item() > 0.5
    out.loss.backward()
    assert torch.isfinite(e.grad).all() and e.grad.abs().sum() > 0


def test_a_batch_without_positives_or_negatives_is_one_line():
    e = torch.randn(4, 8)
    with pytest.raises(MarionnetteError, match="two crops"):
        semi_hard_triplets(e, torch.arange(4))
    with pytest.raises(MarionnetteError, match="one identity"):
        triplet_loss(e, torch.zeros(4, dtype=torch.long))
    with pytest.raises(MarionnetteError, match=r"\(B, D\)"):
        semi_hard_triplets(e, torch.zeros(3, dtype=torch.long))


# ----------------------------------------------------------------------------- the network and the crops


def test_embeddings_are_unit_length_and_bad_crops_are_one_line():
    torch.manual_seed(0)
    net = Embedder(EmbedderConfig(crop=(32, 16), dim=24, channels=(8, 16)))
    out = net(torch.rand(5, 3, 32, 16))
    assert out.shape == (5, 24) and torch.allclose(out.norm(dim=1), torch.ones(5), atol=1e-5)
    with pytest.raises(MarionnetteError, match=r"\(N, 3, 32, 16\)"):
        net(torch.rand(5, 3, 64, 32))
    with pytest.raises(MarionnetteError, match="floats"):
        net(torch.zeros(5, 3, 32, 16, dtype=torch.uint8))
    image = np.zeros((60, 80, 3), np.uint8)
    assert net.embed(image, np.zeros((0, 4))).shape == (0, 24)
    got = net.embed(image, np.array([[0, 0, 20, 40], [10, 5, 70, 58]]))
    assert got.shape == (2, 24) and got.dtype == np.float32 and np.allclose(np.linalg.norm(got, axis=1), 1, atol=1e-5)
    with pytest.raises(MarionnetteError, match="uint8"):
        net.embed(image.astype(np.float32), np.zeros((1, 4)))
    with pytest.raises(MarionnetteError, match="NaN"):
        net.embed(image, np.full((1, 4), np.nan))
    with pytest.raises(MarionnetteError, match="stages"):
        EmbedderConfig(crop=(8, 4), channels=(8, 16, 32))


def test_crops_from_tracks_cuts_the_boxes_and_numbers_identities_per_sequence(tmp_path):
    rng = np.random.default_rng(0)
    a, b = person(rng, *PAIRS[0], "checks"), person(rng, *PAIRS[1], "tophalf")
    frame = np.zeros((100, 120, 3), np.uint8)
    frame[10:58, 30:54], frame[40:88, 80:104] = a, b
    boxes = np.array([[30, 10, 54, 58], [80, 40, 104, 88], [0, 0, 5, 5]], np.float32)  # the last one too small
    # track 1 of sequence 5 is seen once and left out (min_crops=2); with min_crops=1 it is another person
    got = crops_from_tracks([frame, frame, frame], [boxes, boxes, boxes[:1]], [[1, 2, 3], [1, 2, 3], [1]],
                            sequences=[0, 0, 5], size=(48, 24))  # fmt: skip
    assert got.crops.shape == (4, 48, 24, 3)
    assert np.array_equal(got.crops[0], a) and np.array_equal(got.crops[1], b)  # 1:1 boxes cut exactly
    assert got.identities.tolist() == [0, 1, 0, 1] and got.sequences.tolist() == [0, 0, 0, 0]
    assert got.frames.tolist() == [0, 0, 1, 1]
    both = crops_from_tracks([frame, frame], [boxes[:1]] * 2, [[1], [1]], sequences=[0, 5], min_crops=1)
    assert both.identities.tolist() == [0, 1]
    assert CropSet.load(got.save(tmp_path / "crops.npz")).crops.tobytes() == got.crops.tobytes()
    np.savez(tmp_path / "other.npz", crops=got.crops)
    with pytest.raises(MarionnetteError, match="no marionnette crop set"):
        CropSet.load(tmp_path / "other.npz")
    with pytest.raises(MarionnetteError, match="uint8"):
        CropSet(got.crops.astype(np.float32), got.identities, got.sequences, got.frames)
    with pytest.raises(MarionnetteError, match="one id a box"):
        crops_from_tracks([frame], [boxes], [[1]])


def test_scores_rank1_skips_near_frames_and_the_histogram_is_unit():
    # two identities, crops 0, 1 of identity 0 adjacent frames: with min_gap 5 crop 0 must find crop 2
    e = np.array([[1, 0], [1, 0], [0.8, 0.6], [0, 1], [0, 1]], np.float64)
    ids = np.array([0, 0, 0, 1, 1])
    frames = np.array([0, 1, 20, 0, 30])
    assert scores(e, ids, frames=frames, min_gap=0).rank1 == 1.0
    near = scores(e, ids, frames=frames, min_gap=5)
    assert near.rank1 == 1.0 and near.auc == 1.0 and near.same[-1] == pytest.approx(0.2)  # pairs (0,2), (1,2)
    assert reid.roc_auc(np.array([1.0, 2.0]), np.array([1.0, 0.0])) == 0.875  # the tie counts a half
    hist = color_histograms(people(2).crops, bins=4, stripes=2)
    assert hist.shape == (24, 2 * 4**3) and np.allclose(np.linalg.norm(hist, axis=1), 1, atol=1e-5)


# ----------------------------------------------------------------------------- training


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("reid")
    path = people().save(root / "people.npz")
    config = ReidTrainConfig(str(path), epochs=3, steps_per_epoch=50, held_out_sequences=(1,), min_gap=0,
                             net=EmbedderConfig(crop=(32, 16), dim=32, channels=(8, 16, 32), parts=2))  # fmt: skip
    # a module fixture is set up before the function-scoped one_thread: the resumed run below
    # repeats this one exactly only on the same thread count
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return reid.train(config, device="cpu", runs_dir=root / "runs"), root
    finally:
        torch.set_num_threads(threads)


def test_the_trained_embedder_beats_the_random_one_and_the_histogram_on_new_people(trained):
    run, _ = trained
    got = reid.evaluate(run.path)
    # measured (seed 0): trained 1.00 / AUC 0.99, random 0.59 / 0.65, histogram 0.19 / 0.50
    assert got["trained"].rank1 >= 0.85
    assert got["trained"].rank1 >= max(got["random"].rank1, got["histogram"].rank1) + 0.25
    assert got["trained"].auc >= 0.9 and max(got["random"].auc, got["histogram"].auc) <= 0.75
    assert got["trained"].same[2] < got["trained"].threshold < got["trained"].different[2]
    rows = read_progress(run.progress_path)
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3] and float(rows[-1]["loss"]) < float(rows[0]["loss"])


def test_the_run_resumes_exactly_and_loads(trained):
    run, root = trained
    copy = root / "cut"
    shutil.copytree(run.path, copy)
    (copy / "model.pt").unlink()
    Run.open(copy).checkpoint_path(150, "pt").unlink()  # killed during epoch 3
    again = reid.train(resume=copy, device="cpu")
    net, original = reid.load(again.path), reid.load(run.path)
    assert not net.training and isinstance(net, Embedder)
    for (k, v), w in zip(net.state_dict().items(), original.state_dict().values(), strict=True):
        assert torch.equal(v, w), k
    assert [int(r["step"]) for r in read_progress(again.progress_path)] == [50, 100, 150]
    crops = people(2, seed=1).crops
    assert np.array_equal(reid.embed_crops(net, crops), reid.embed_crops(original, crops))
    with pytest.raises(MarionnetteError, match="not a run directory"):
        reid.load(root)
    bad = CropSet(crops[:3], np.array([0, 0, 1]), np.zeros(3, int), np.arange(3)).save(root / "bad.npz")
    with pytest.raises(MarionnetteError, match="identity 1 has 1 crop"):
        reid.train(ReidTrainConfig(str(bad), held_out=0.0, identities_per_batch=2), runs_dir=root / "runs2")
