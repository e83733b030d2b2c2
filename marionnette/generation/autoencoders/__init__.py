"""Autoencoders: plain, denoising, sparse and variational; MLP and convolutional.

- :mod:`~.models`: :class:`AEConfig` and the one :class:`Autoencoder` module behind every
  kind (``plain``, ``denoise``, ``sparse``, ``vae``) and form (``mlp``, ``conv``), its loss.
- :mod:`~.noise`: the denoising corruption (gaussian, masking, salt-and-pepper).
- :mod:`~.data`: images that need no download (scikit-learn's digits, tiles of
  scikit-image's photographs) or a folder of PNG/JPG; the seeded held-out split. numpy only.
- :mod:`~.metrics`: held-out MSE, SSIM (scikit-image's), mean ``|code|``, the VAE's ELBO.
- :mod:`~.train`: training in the run directory (``runs/ae__<kind>__<seed>__<time>/``),
  resume, :func:`~.train.load` (a :class:`~.train.TrainedAE`), :func:`~.train.evaluate`
  (``train`` itself is :func:`marionnette.generation.autoencoders.train.train`: the
  package attribute ``train`` is that module).
- :mod:`~.pointcloud`: the 2-D demo: an autoencoder projects points onto the curve it learned.
- :mod:`~.pictures`: reconstructions, interpolations, denoising, samples, the point cloud
  (PNG); :func:`~.pictures.show` draws a run's.

The names below are imported from their modules on first use, so that ``import
marionnette.generation.autoencoders`` (or its :mod:`~.data`) does not import torch.
"""

import importlib

_EXPORTS = {
    "ARCHS": "models",
    "KINDS": "models",
    "AEConfig": "models",
    "AELosses": "models",
    "AEOutput": "models",
    "Autoencoder": "models",
    "build_model": "models",
    "load_model_state": "models",
    "NOISES": "noise",
    "corrupt": "noise",
    "ImageSet": "data",
    "Split": "data",
    "digits": "data",
    "held_out": "data",
    "image_folder": "data",
    "load_images": "data",
    "photo_tiles": "data",
    "read_image": "data",
    "Scores": "metrics",
    "score": "metrics",
    "ssim": "metrics",
    "AETrainConfig": "train",
    "TrainedAE": "train",
    "evaluate": "train",
    "load": "train",
    "PointCloudDemo": "pointcloud",
    "point_cloud_demo": "pointcloud",
    "show": "pictures",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = sorted(_EXPORTS)
