"""Skeleton action recognition: NTU_25 skeleton windows in, action classes out.

- :mod:`~.clips`: the representation of Ke et al. (CVPR 2017): a sequence ``(T, 25, 3)``
  as three clips (cylindrical ``rho, theta, z``) of four grey frames (one per reference
  joint: the shoulders and hips), :func:`skeleton_clips` → ``(3, 4, H, W)``.
- :mod:`~.models`: the recognizers behind one contract (:class:`ActionModel`:
  ``prepare`` raw ``(N, T, 25, 3)`` windows, ``forward``, ``loss``, ``predict_proba``):
  clips + CNN (VGG19 or a small scratch CNN) + ``mtln`` | ``concat`` | ``pooling`` heads,
  and the ``lstm`` and ``stgcn`` baselines, from :func:`build_model`.
- :mod:`~.data`: the datasets on disk the recognizers read (``actions.npz``; numpy only).
- :mod:`~.train`: training in the run directory, resume, evaluation, :func:`~.train.load`.
- :mod:`~.plots`: the confusion matrix as a picture.

The names below are imported from their modules on first use, so ``import
marionnette.perception.action.data`` (the datasets layer writing a file) does not import
torch; the clips and the models do.
"""

import importlib

_EXPORTS = {
    "BODY_PARTS": "clips",
    "CHAIN": "clips",
    "CHANNELS": "clips",
    "FRAME_ROWS": "clips",
    "REFERENCE_JOINTS": "clips",
    "check_positions": "clips",
    "clip_images": "clips",
    "relative_positions": "clips",
    "skeleton_clips": "clips",
    "to_cylindrical": "clips",
    "CLIP_HEADS": "models",
    "MODEL_NAMES": "models",
    "STGCN": "models",
    "ActionModel": "models",
    "ClipModel": "models",
    "ClipModelConfig": "models",
    "DeepLSTM": "models",
    "LSTMConfig": "models",
    "STGCNConfig": "models",
    "build_model": "models",
    "default_config": "models",
    "load_model_state": "models",
    "ntu_graph": "models",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = sorted(_EXPORTS)
