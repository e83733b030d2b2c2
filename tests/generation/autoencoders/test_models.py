"""The autoencoder module in every kind and form, its loss, and the denoising corruption."""

import pytest
import torch

from marionnette.errors import CheckpointError, MarionnetteError
from marionnette.generation.autoencoders.models import ARCHS, KINDS, AEConfig, build_model, load_model_state
from marionnette.generation.autoencoders.noise import corrupt


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_and_form_reconstructs_its_images_shape(kind, arch):
    torch.manual_seed(0)
    config = AEConfig(kind=kind, arch=arch, channels=3, height=16, width=12, code=5, hidden=32, filters=8)
    model = build_model(config)
    x = torch.rand(4, 3, 16, 12)
    out = model(x, torch.Generator().manual_seed(1))
    assert out.reconstruction.shape == x.shape and out.code.shape == (4, 5)
    recon = out.reconstruction.detach()
    assert 0 <= float(recon.min()) and float(recon.max()) <= 1
    losses = model.loss(out, x)
    assert all(torch.isfinite(t) for t in losses)
    losses.total.backward()
    assert all(p.grad is not None for p in model.parameters())
    if kind == "sparse":
        assert float(out.code.detach().min()) >= 0  # a ReLU code: units off are exactly 0
    if kind == "vae":
        assert out.mu.shape == out.logvar.shape == (4, 5) and float(losses.kl.detach()) >= 0
        again = model(x, torch.Generator().manual_seed(1))
        torch.testing.assert_close(again.code, out.code)  # eps from the caller's generator
        model.eval()
        torch.testing.assert_close(model(x).reconstruction, model.decode(model.encode(x)[0]))  # eval: decode mu
    else:
        assert out.mu is None and float(losses.kl.detach()) == 0


def test_the_sparse_penalty_and_beta_weight_their_terms():
    torch.manual_seed(0)
    x = torch.rand(8, 1, 8, 8)
    sparse = build_model(AEConfig(kind="sparse", sparsity=0.5))
    losses = sparse.loss(sparse(x), x)
    torch.testing.assert_close(losses.total, losses.reconstruction + 0.5 * losses.sparsity)
    vae = build_model(AEConfig(kind="vae", beta=4.0))
    vae.eval()
    losses = vae.loss(vae(x), x)
    torch.testing.assert_close(losses.total, losses.reconstruction + 4.0 * losses.kl)


def test_the_corruptions_hit_what_they_say():
    x = torch.full((64, 3, 16, 16), 0.5)
    masked = corrupt(x, "masking", 0.3, torch.Generator().manual_seed(0))
    hit = masked == 0
    assert abs(float(hit.float().mean()) - 0.3) < 0.02
    assert bool((hit.all(1) | (~hit).all(1)).all())  # a pixel's channels go together
    salted = corrupt(x, "salt-and-pepper", 0.2, torch.Generator().manual_seed(0))
    changed = salted != 0.5
    assert abs(float(changed.float().mean()) - 0.2) < 0.02
    assert set(salted[changed].unique().tolist()) == {0.0, 1.0}
    noisy = corrupt(x, "gaussian", 0.1, torch.Generator().manual_seed(0))
    assert abs(float((noisy - x).std()) - 0.1) < 0.005 and 0 <= float(noisy.min()) <= float(noisy.max()) <= 1
    torch.testing.assert_close(noisy, corrupt(x, "gaussian", 0.1, torch.Generator().manual_seed(0)))
    with pytest.raises(MarionnetteError, match="did you mean salt-and-pepper"):
        corrupt(x, "salt-pepper", 0.1)


def test_weights_of_another_model_are_one_line():
    model = build_model(AEConfig(kind="plain", arch="mlp"))
    payload = {"model": model.state_dict(), "image_shape": [1, 8, 8], "kind": "plain", "arch": "mlp"}
    with pytest.raises(CheckpointError, match="holds a mlp plain autoencoder, not a conv plain one"):
        load_model_state(build_model(AEConfig(kind="plain", arch="conv")), payload, "x.pt")
    with pytest.raises(CheckpointError, match=r"for 1x8x8 images .* reads 3x8x8"):
        load_model_state(build_model(AEConfig(channels=3)), payload, "x.pt")
    with pytest.raises(CheckpointError, match="of other shapes"):
        load_model_state(build_model(AEConfig(code=4)), payload, "x.pt")
