"""The action models: one contract (prepare, forward, loss, predict_proba), shapes, learning
on a small separable problem, MTLN's summed loss and averaged scores, the ST-GCN graph."""

import dataclasses
import time

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from marionnette.errors import CheckpointError, MarionnetteError
from marionnette.motion import NTU_25, NTUJoint
from marionnette.perception.action import (
    MODEL_NAMES,
    ActionModel,
    ClipModel,
    ClipModelConfig,
    LSTMConfig,
    STGCNConfig,
    build_model,
    default_config,
    load_model_state,
    ntu_graph,
)

CLASSES = 3
MOVING = (  # the joints each class moves: the left arm up and down, the right arm, a squat
    (NTUJoint.ELBOW_LEFT, NTUJoint.WRIST_LEFT, NTUJoint.HAND_LEFT, NTUJoint.HAND_TIP_LEFT, NTUJoint.THUMB_LEFT),
    (NTUJoint.ELBOW_RIGHT, NTUJoint.WRIST_RIGHT, NTUJoint.HAND_RIGHT, NTUJoint.HAND_TIP_RIGHT, NTUJoint.THUMB_RIGHT),
    tuple(j for j in NTUJoint if j.name.split("_")[0] not in ("KNEE", "ANKLE", "FOOT")),
)


def actions(n: int = 24, frames: int = 32, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``(n, frames, 25, 3)`` windows and ``(n,)`` labels: one body at rest (random, fixed),
    class ``k`` moving the joints ``MOVING[k]`` up and down (0.3 m, its own phase), 1 cm noise."""
    rng = np.random.default_rng(seed)
    rest = np.random.default_rng(123).normal(0.0, 0.3, size=(25, 3)) + (0.0, 1.0, 0.0)
    labels = np.arange(n) % CLASSES
    t = np.arange(frames) / frames
    windows = np.repeat(rest[None, None], n, axis=0).repeat(frames, axis=1)  # (n, T, 25, 3)
    for i, k in enumerate(labels):
        lift = 0.3 * np.sin(2 * np.pi * (t + rng.uniform()))  # (T,)
        windows[i][:, list(MOVING[k]), 1] += lift[:, None]
    windows += rng.normal(0.0, 0.01, size=windows.shape)
    return torch.tensor(windows, dtype=torch.float32), torch.tensor(labels)


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def data():
    return actions()


def test_the_names_and_default_configs():
    assert MODEL_NAMES == ("mtln", "concat", "pooling", "lstm", "stgcn")
    assert isinstance(default_config("concat"), ClipModelConfig)
    assert isinstance(default_config("lstm"), LSTMConfig) and isinstance(default_config("stgcn"), STGCNConfig)
    assert ClipModelConfig().frame_size == 32 and ClipModelConfig(cnn="vgg").frame_size == 224
    assert dataclasses.replace(default_config("mtln"), cnn="vgg").frame_size == 224  # how a trainer overrides
    assert ClipModelConfig(cnn="vgg", image_size=64).frame_size == 64


@pytest.mark.parametrize(
    ("name", "inputs", "outputs"),
    [
        ("mtln", (5, 3, 4, 32, 32), (5, 4, CLASSES)),
        ("concat", (5, 3, 4, 32, 32), (5, CLASSES)),
        ("pooling", (5, 3, 4, 32, 32), (5, CLASSES)),
        ("lstm", (5, 20, 75), (5, CLASSES)),
        ("stgcn", (5, 3, 20, 25, 1), (5, CLASSES)),
    ],
)
def test_every_model_prepares_raw_windows_and_gives_its_shapes(name, inputs, outputs):
    model = build_model(name, CLASSES)
    assert isinstance(model, ActionModel) and model.name == name and model.num_classes == CLASSES
    windows, labels = actions(n=5, frames=20)
    x = model.prepare(windows)
    assert x.shape == inputs and x.dtype == torch.float32
    out = model(x)
    assert out.shape == outputs
    proba = model.predict_proba(out)
    assert proba.shape == (5, CLASSES) and torch.allclose(proba.sum(dim=1), torch.ones(5))
    loss = model.loss(out, labels)
    assert loss.ndim == 0 and torch.isfinite(loss)


# (steps, Adam's learning rate): the LSTM, on raw coordinates, needs more and gentler steps
TRAINING = {"mtln": (15, 3e-3), "concat": (15, 3e-3), "pooling": (15, 3e-3), "lstm": (100, 1e-3), "stgcn": (15, 3e-3)}


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_the_loss_falls_on_a_small_separable_problem(name, data):
    windows, labels = data
    steps, lr = TRAINING[name]
    torch.manual_seed(0)
    model = build_model(name, CLASSES)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    x = model.prepare(windows)
    start = time.perf_counter()
    losses = []
    for _ in range(steps):
        loss = model.loss(model(x), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert time.perf_counter() - start < 5.0
    assert losses[-1] < 0.5 * losses[0], losses
    with torch.no_grad():  # in training mode: after 15 steps BatchNorm's running statistics are not yet the data's
        accuracy = (model.predict_proba(model(x)).argmax(dim=1) == labels).float().mean().item()
    assert accuracy > 0.9


@pytest.mark.parametrize("name", ["mtln", "lstm", "stgcn"])
def test_a_batch_of_32_windows_of_64_frames_trains_in_well_under_a_second(name):
    windows, labels = actions(n=32, frames=64)
    model = build_model(name, 10)
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        model.loss(model(model.prepare(windows)), labels).backward()
        timings.append(time.perf_counter() - start)
    assert min(timings) < 1.0, timings


def test_mtln_sums_its_four_losses_and_averages_its_four_softmaxes(data):
    windows, labels = data
    torch.manual_seed(0)
    model = build_model("mtln", CLASSES).eval()
    x = model.prepare(windows)
    with torch.no_grad():
        out = model(x)  # (N, 4, C)
        vectors = model.features(x)  # (N, 4, D)
        heads = [model.heads[k](vectors[:, k]) for k in range(4)]
    assert len(model.heads) == 4 and model.heads[0] is not model.heads[1]  # four tasks, four classifiers
    for k in range(4):
        assert torch.allclose(out[:, k], heads[k])
    mean_softmax = torch.stack([h.softmax(dim=1) for h in heads]).mean(dim=0)
    assert torch.allclose(model.predict_proba(out), mean_softmax)
    summed = sum(F.cross_entropy(h, labels) for h in heads)
    assert torch.allclose(model.loss(out, labels), summed)


def test_temporal_mean_pooling_averages_each_row_over_time_and_joins_the_three_clips():
    """With the CNN taken out (identity), a clip frame's pooled vector is its row means; the
    four feature vectors are the three clips' row means for one reference joint each."""
    model = ClipModel("mtln", CLASSES)
    model.cnn = nn.Identity()
    clips = torch.rand(2, 3, 4, 8, 5)  # (N, clip, frame, rows, columns = time)
    vectors = model.features(clips)
    assert vectors.shape == (2, 4, 3 * 8)
    for k in range(4):
        expected = torch.cat([clips[:, c, k].mean(dim=-1) for c in range(3)], dim=1)  # (N, 3 * rows)
        assert torch.allclose(vectors[:, k], expected)


def test_concat_joins_the_four_vectors_and_pooling_takes_their_maximum():
    clips = torch.rand(2, 3, 4, 32, 32)
    concat, pooling = ClipModel("concat", CLASSES).eval(), ClipModel("pooling", CLASSES).eval()
    with torch.no_grad():
        assert torch.allclose(concat(clips), concat.head(concat.features(clips).flatten(1)))
        assert torch.allclose(pooling(clips), pooling.head(pooling.features(clips).amax(dim=1)))
        mean = ClipModel("pooling", CLASSES, ClipModelConfig(pool="mean")).eval()
        assert torch.allclose(mean(clips), mean.head(mean.features(clips).mean(dim=1)))
    assert concat.head[1].in_features == 4 * pooling.head[1].in_features


def test_the_vgg_clip_model_is_the_paper_s_frozen_conv5_1_with_7168_features_a_frame():
    model = build_model("mtln", 60, ClipModelConfig(cnn="vgg", features="random"))
    assert list(model.cnn._modules)[-1] == "relu5_1"
    assert model.frame_features == 512 * 14 == 7168  # (512, 14, 14) maps at 224, pooled over time
    assert model.heads[0][1].in_features == 3 * 7168
    raw = build_model("concat", 60, ClipModelConfig(cnn="vgg", features="random", vgg_layer="conv5_1"))
    assert isinstance(raw.cnn[-1], nn.Conv2d)


def test_the_vgg_clip_model_trains_its_heads_only():
    """VGG at a small size (32 pixels: 2x2 maps at conv5_1) to keep the CPU test quick."""
    windows, labels = actions(n=4, frames=16)
    model = build_model("mtln", CLASSES, ClipModelConfig(cnn="vgg", features="random", image_size=32))
    assert model.frame_features == 512 * 2
    model.loss(model(model.prepare(windows)), labels).backward()
    assert all(p.grad is None and not p.requires_grad for p in model.cnn.parameters())
    assert all(p.grad is not None for p in model.heads.parameters())


def test_a_vgg_model_without_the_imagenet_file_says_where_to_put_it(tmp_path):
    before = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path))
    try:
        with pytest.raises(MarionnetteError, match="vgg19-dcbb9e9d.pth .* or use --features random"):
            build_model("mtln", CLASSES, ClipModelConfig(cnn="vgg"))
    finally:
        torch.hub.set_dir(before)


def test_the_lstm_reads_the_75_coordinates_centred_on_the_first_spine_mid(data):
    windows, _ = data
    model = build_model("lstm", CLASSES, LSTMConfig(readout="mean"))
    x = model.prepare(windows)
    spine_mid = x.view(*x.shape[:2], 25, 3)[:, 0, NTUJoint.SPINE_MID]
    assert torch.allclose(spine_mid, torch.zeros_like(spine_mid))
    assert torch.allclose(model.prepare(windows + torch.tensor([1.0, 2.0, 3.0])), x, atol=1e-5)
    assert model.lstm.num_layers == 2 and model.lstm.input_size == 75


def test_the_st_gcn_graph_is_ntu_25_s_bones_normalised_and_partitioned():
    uniform, spatial = ntu_graph("uniform"), ntu_graph("spatial")
    assert uniform.shape == (1, 25, 25) and spatial.shape == (3, 25, 25)
    np.testing.assert_allclose(uniform.sum(axis=(0, 1)), 1.0, atol=1e-6)  # A D^-1: each column averages
    np.testing.assert_allclose(spatial.sum(axis=0), uniform[0], atol=1e-6)  # the parts split it
    edges = {(p, c) for p, c in NTU_25.bones} | {(c, p) for p, c in NTU_25.bones} | {(j, j) for j in range(25)}
    assert {(int(j), int(i)) for j, i in zip(*np.nonzero(uniform[0]), strict=True)} == edges
    J = NTUJoint
    elbow = J.ELBOW_LEFT  # two neighbours: the shoulder (nearer spine_shoulder) and the wrist (farther)
    assert uniform[0, J.SHOULDER_LEFT, elbow] == pytest.approx(1 / 3)
    assert spatial[0, elbow, elbow] > 0 and spatial[0, J.SHOULDER_LEFT, elbow] == 0
    assert spatial[1, J.SHOULDER_LEFT, elbow] > 0 and spatial[1, J.WRIST_LEFT, elbow] == 0
    assert spatial[2, J.WRIST_LEFT, elbow] > 0 and spatial[2, J.SHOULDER_LEFT, elbow] == 0


def test_st_gcn_takes_several_people_and_the_uniform_graph():
    model = build_model("stgcn", CLASSES, STGCNConfig(partition="uniform", edge_importance=False)).eval()
    assert model.A.shape == (1, 25, 25)
    x = torch.randn(2, 3, 16, 25, 2)
    with torch.no_grad():
        both = model(x)
        one = model(x[..., :1]), model(x[..., 1:])
    assert both.shape == (2, CLASSES)
    # the people are classified apart and their final features averaged: for a linear
    # classifier, the logits are the mean of each person's
    assert torch.allclose(both, (one[0] + one[1]) / 2, atol=1e-5)


def test_weights_of_another_class_count_or_model_say_so():
    five = build_model("mtln", 5)
    three = build_model("mtln", 3)
    with pytest.raises(CheckpointError, match="holds a mtln model for 5 classes, this one has 3") as e:
        load_model_state(three, five.state_dict(), "run/model.pt")
    assert "\n" not in str(e.value)
    with pytest.raises(CheckpointError, match="another model or config than this stgcn"):
        load_model_state(build_model("stgcn", 3), build_model("lstm", 3).state_dict(), "run/model.pt")
    twin = build_model("mtln", 5)
    load_model_state(twin, five.state_dict(), "run/model.pt")
    assert all(torch.equal(a, b) for a, b in zip(twin.state_dict().values(), five.state_dict().values(), strict=True))


def test_bad_names_configs_and_windows_are_one_line_with_the_fix():
    with pytest.raises(MarionnetteError, match="unknown action model 'resnet': use one of mtln, concat"):
        build_model("resnet", 3)
    with pytest.raises(MarionnetteError, match="model 'lstm' takes a LSTMConfig, not a STGCNConfig"):
        build_model("lstm", 3, STGCNConfig())
    with pytest.raises(MarionnetteError, match="at least 2 classes"):
        build_model("stgcn", 1)
    with pytest.raises(MarionnetteError, match="does not halve"):
        ClipModelConfig(image_size=30)
    model = build_model("lstm", 3)
    with pytest.raises(MarionnetteError, match=r"give a batch \(N, T, 25, 3\)"):
        model.prepare(torch.zeros(10, 25, 3))
    windows, _ = actions(n=2, frames=8)
    windows[1, 3, NTUJoint.HEAD] = float("nan")
    with pytest.raises(MarionnetteError, match="sequence 1, frame 3, joint head.*fill_gaps"):
        model.prepare(windows)
