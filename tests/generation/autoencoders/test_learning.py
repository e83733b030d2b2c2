"""Each kind learns scikit-learn's digits, and each does what it is for: the denoising AE
cleans corrupted images better than the plain one, the sparse AE's code is much quieter at
a like error, the VAE's ELBO rises. Seeded, a few epochs each; the numbers in the
docstrings were measured on a 2-core CPU (torch 2.14). Predicting the mean training image
scores an MSE of 0.0727 on the same 359 held-out digits: every bound below is far under it."""

import pytest
import torch

from marionnette.generation.autoencoders.train import AETrainConfig, evaluate, load, train
from marionnette.runs import read_progress


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """These models are small enough that one thread trains them faster than two (and
    much faster than two contended ones: 33 s against 0.6 s for 20 epochs, measured)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def fit(root, **settings):
    return train(AETrainConfig(data="digits", **settings), device="cpu", runs_dir=root)


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    return load(fit(tmp_path_factory.mktemp("plain"), kind="plain", code=32, epochs=20).path)


@pytest.fixture(scope="module")
def denoise(tmp_path_factory):
    run = fit(tmp_path_factory.mktemp("denoise"), kind="denoise", code=32, epochs=20, noise="gaussian",
              noise_level=0.5)  # fmt: skip
    return load(run.path)


def test_the_plain_autoencoder_reconstructs_held_out_digits(plain):
    """MLP, 32-unit code, 20 epochs: measured held-out MSE 0.0088, SSIM 0.962."""
    scores = evaluate(plain)
    assert scores.count == 359 and scores.elbo is None
    assert scores.mse < 0.015, scores
    assert scores.ssim > 0.9, scores


def test_the_denoising_autoencoder_cleans_corrupted_digits_better_than_the_plain_one(plain, denoise):
    """Gaussian noise of sd 0.5 on the held-out digits: measured MSE to the clean digits
    0.0358 (denoising AE) against 0.0537 (plain AE), a ratio of 0.67; on clean digits the
    denoising AE measured 0.0195 (bound 0.03). A denoising AE trained and scored on masking
    (half the pixels) or salt-and-pepper (30%) measured ratios of 0.71 and 0.70."""
    noisy_plain = evaluate(plain, noise="gaussian", level=0.5)
    noisy_denoise = evaluate(denoise, noise="gaussian", level=0.5)
    assert noisy_denoise.mse < 0.85 * noisy_plain.mse, (noisy_denoise, noisy_plain)
    assert evaluate(denoise).mse < 0.03
    # progress.csv scores the same corruption every epoch
    rows = read_progress(denoise.run.progress_path)
    assert abs(float(rows[-1]["test_noisy_mse"]) - noisy_denoise.mse) < 1e-5


def test_the_sparse_autoencoders_code_is_quieter_at_a_like_error(tmp_path, plain):
    """L1 weight 0.01 on a 32-unit ReLU code, 20 epochs: measured mean |code| 0.391
    against the plain AE's 1.762 (4.5x lower), at MSE 0.0114 against 0.0088 (1.3x); half
    the code values (0.502) exactly 0, against 0.167 for the same ReLU code unpenalised."""
    sparse = evaluate(fit(tmp_path, kind="sparse", code=32, sparsity=0.01, epochs=20).path)
    reference = evaluate(plain)
    assert sparse.mean_code < reference.mean_code / 3, (sparse, reference)
    assert sparse.zero_code > 0.35, sparse
    assert sparse.mse < 1.6 * reference.mse and sparse.mse < 0.02, (sparse, reference)


def test_the_vae_elbo_rises_over_training(tmp_path):
    """16-unit latent, 30 epochs: held-out ELBO measured -31.0 nats after epoch 1 and
    -24.9 after epoch 30 (KL 2.6 nats: the digits' grey levels keep the Bernoulli
    likelihood's floor high, and little is left for the code to explain); held-out MSE
    (decoding mu) 0.0332."""
    run = fit(tmp_path, kind="vae", epochs=30)
    rows = read_progress(run.progress_path)
    first, last = float(rows[0]["test_elbo"]), float(rows[-1]["test_elbo"])
    assert last > first + 3.0, (first, last)
    assert all(float(r["test_kl"]) >= 0 for r in rows)
    scores = evaluate(run.path)
    assert abs(scores.elbo - last) < 1e-3 and scores.mse < 0.045, scores


@pytest.mark.parametrize(
    ("kind", "code", "bound", "measured"),
    [("plain", 16, 0.032, 0.0214), ("denoise", 16, 0.045, 0.0341), ("sparse", 32, 0.04, 0.0277),
     ("vae", 16, 0.058, 0.0451)],
)  # fmt: skip
def test_each_kind_in_conv_form_learns(tmp_path, kind, code, bound, measured):
    """Conv form (32 and 64 filters), 10 epochs: the held-out MSE of each kind under a
    bound set about 1.3-1.5x over what was measured (the ``measured`` column)."""
    scores = evaluate(fit(tmp_path, kind=kind, arch="conv", code=code, epochs=10).path)
    assert scores.mse < bound, (scores, measured)
