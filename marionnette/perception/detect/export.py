"""The detector as an ONNX file, and the same detector run by ONNX Runtime.

:func:`export_onnx` writes the network *and its decoding* (DFL expectation, anchor points,
sigmoid) with ``torch.onnx.export`` (the TorchScript exporter, opset 17; its dynamo
exporter needs onnxscript, which we do not depend on)::

    input   images  (batch, 3, size, size) float32 in [0, 1]
    outputs boxes   (batch, A, 4) float32 xyxy pixels of the input
            scores  (batch, A, C) float32 sigmoid class scores

with a dynamic batch and a fixed side (the anchor points are constants of the graph). NMS
stays outside the graph, on torchvision's ``batched_nms`` as in torch, so the two
detectors differ only by the numerics of the network (measured: under 1e-4). The file's
``metadata_props`` carry what a reader needs: ``marionnette.detector`` (the format's
version), ``names`` (JSON list) and ``size``.

:class:`OnnxDetector` reads such a file and answers ``detect`` and ``predict`` as
:class:`~.model.Detector` does (same letterbox, same NMS), on the CPU by default.
A file that is not ONNX, another program's ONNX, or one whose graph disagrees with its
metadata (another input size or class count) is one line saying so.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from marionnette.errors import MarionnetteError
from marionnette.files import atomic_path
from marionnette.perception.detect.boxes import Detections, image_tensor, letterbox, unletterbox
from marionnette.perception.detect.model import MULTIPLE, Decoded, Detector, suppress

OPSET = 17
FORMAT = "1"  # the version of the metadata this module writes and reads
_KEY = "marionnette.detector"


class _Decoding(nn.Module):
    """The detector with its decoding, as the graph: images -> (boxes, scores)."""

    def __init__(self, detector: Detector):
        super().__init__()
        self.detector = detector

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        decoded = self.detector.decode(self.detector(images))
        return decoded.boxes, decoded.scores


def export_onnx(detector: Detector, path: str | os.PathLike, size: int | None = None) -> Path:
    """Write ``detector`` (with its decoding) to ``path`` as ONNX for ``size x size`` inputs (default its own size)."""
    import onnx

    size = size or detector.config.size
    if size % MULTIPLE or size < MULTIPLE:
        raise MarionnetteError(f"size {size}: give a multiple of {MULTIPLE}")
    path = Path(path)
    device = next(detector.parameters()).device
    was_training = detector.training
    detector.eval()
    try:
        with tempfile.TemporaryDirectory() as folder:
            raw = Path(folder) / "detector.onnx"
            example = torch.zeros(1, 3, size, size, device=device)
            with warnings.catch_warnings():  # the TorchScript exporter's notice that a newer one exists
                warnings.simplefilter("ignore", DeprecationWarning)
                torch.onnx.export(
                    _Decoding(detector),
                    (example,),
                    str(raw),
                    dynamo=False,
                    opset_version=OPSET,
                    input_names=["images"],
                    output_names=["boxes", "scores"],
                    dynamic_axes={"images": {0: "batch"}, "boxes": {0: "batch"}, "scores": {0: "batch"}},
                )
            model = onnx.load(str(raw))
            with torch.no_grad():
                shapes = [tuple(t.shape) for t in _Decoding(detector)(example)]  # (1, A, 4), (1, A, C)
    finally:
        detector.train(was_training)
    # The exporter names the outputs' fixed sides symbolically; write them down so a reader can check them
    for output, shape in zip(model.graph.output, shapes, strict=True):
        for dim, side in zip(output.type.tensor_type.shape.dim[1:], shape[1:], strict=True):
            dim.dim_value = side
    for key, value in ((_KEY, FORMAT), ("names", json.dumps(list(detector.names))), ("size", str(size))):
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    with atomic_path(path) as tmp:
        onnx.save(model, str(tmp))
    return path


class OnnxDetector:
    """An exported detector run by ONNX Runtime; ``threads`` caps its intra-op threads (None: its default)."""

    def __init__(self, path: str | os.PathLike, threads: int | None = None,
                 providers: Sequence[str] = ("CPUExecutionProvider",)):  # fmt: skip
        import onnxruntime as ort
        from onnxruntime.capi import onnxruntime_pybind11_state as state

        self.path = Path(path)
        if not self.path.is_file():
            raise MarionnetteError(f"ONNX file {self.path} does not exist: write one with `export_onnx`")
        options = ort.SessionOptions()
        if threads is not None:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        try:
            self.session = ort.InferenceSession(str(self.path), options, providers=list(providers))
        except (state.InvalidProtobuf, state.InvalidGraph, state.Fail, state.NoSuchFile) as e:
            reason = (str(e).splitlines() or [""])[0][:160]
            raise MarionnetteError(
                f"{self.path} is not a readable ONNX model ({reason}): pass a file export_onnx wrote"
            ) from e
        meta = self.session.get_modelmeta().custom_metadata_map
        if meta.get(_KEY) != FORMAT or "names" not in meta or "size" not in meta:
            raise MarionnetteError(
                f"{self.path} is an ONNX model but not a marionnette detector (no {_KEY} {FORMAT} metadata): "
                "export the detector with export_onnx"
            )
        self.names: tuple[str, ...] = tuple(json.loads(meta["names"]))
        self.size = int(meta["size"])
        inputs, outputs = self.session.get_inputs(), {o.name: o for o in self.session.get_outputs()}
        want = [3, self.size, self.size]
        scores = outputs.get("scores")
        if (
            len(inputs) != 1
            or list(inputs[0].shape[1:]) != want
            or scores is None
            or scores.shape[-1] != len(self.names)
        ):
            got = inputs[0].shape if inputs else None
            raise MarionnetteError(
                f"{self.path}: its graph reads {got} and scores {scores.shape if scores else None} classes but its "
                f"metadata says {self.size}x{self.size} and {len(self.names)} classes: export the detector again"
            )
        self.input = inputs[0].name

    def __repr__(self) -> str:
        return f"OnnxDetector({str(self.path)!r}, size {self.size}, classes {list(self.names)})"

    def decode(self, images: np.ndarray | torch.Tensor) -> Decoded:
        """``images (N, 3, size, size)`` float in [0, 1] -> every location's boxes and scores (as torch tensors)."""
        array = images.detach().cpu().numpy() if isinstance(images, torch.Tensor) else np.asarray(images)
        if array.ndim != 4 or array.shape[1:] != (3, self.size, self.size):
            raise MarionnetteError(
                f"images of shape {array.shape}: {self.path} reads (N, 3, {self.size}, {self.size}); "
                "letterbox them (predict does) or export at this size"
            )
        boxes, scores = self.session.run(["boxes", "scores"], {self.input: array.astype(np.float32, copy=False)})
        return Decoded(torch.from_numpy(boxes), torch.from_numpy(scores))

    def detect(self, images: np.ndarray | torch.Tensor, conf: float = 0.25, iou: float = 0.7,
               max_det: int = 300) -> list[Detections]:  # fmt: skip
        """As :meth:`~.model.Detector.detect`: per image the detections above ``conf`` after per-class NMS."""
        return suppress(self.decode(images), conf, iou, max_det)

    def predict(self, images: Sequence[np.ndarray], conf: float = 0.25, iou: float = 0.7,
                max_det: int = 300) -> list[Detections]:  # fmt: skip
        """As :meth:`~.model.Detector.predict`: images of any size in, detections in their own pixels out."""
        if not images:
            return []
        squares, records = zip(*[letterbox(image_tensor(im), self.size)[::2] for im in images], strict=True)
        batch = torch.stack(squares).float() / 255  # (N, 3, S, S)
        found = self.detect(batch, conf, iou, max_det)
        return [Detections(unletterbox(d.boxes, r), d.scores, d.classes) for d, r in zip(found, records, strict=True)]


__all__ = ["FORMAT", "OPSET", "OnnxDetector", "export_onnx"]
