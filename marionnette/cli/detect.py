"""``marionnette detect`` and ``marionnette track``: a YOLO-style detector and a ByteTrack tracker.

``detect train DATA.json [--val VAL.json]`` writes a run directory
(:mod:`marionnette.perception.detect.train`); ``detect eval RUN DATA.json`` gives mAP@0.5 and
mAP@0.5:0.95 (pycocotools); ``detect export RUN --out model.onnx`` writes the ONNX file
onnxruntime runs; ``detect run RUN|model.onnx --source VIDEO|DIR|webcam [--out annotated.mp4]
[--coco out.json]`` draws its boxes (:mod:`marionnette.pipelines.detect`); ``detect reid
SCENES`` trains the tracker's re-identification embedder on the scenes' people
(:mod:`marionnette.perception.detect.reid`).

``track RUN|model.onnx --source … [--out annotated.mp4] [--mot out.txt] [--reid REID_RUN]
[--tracker byte|sort]`` tracks what the detector finds; ``track --detections dets.txt --mot
out.txt`` tracks any detector's boxes given as MOTChallenge text, and ``--gt gt.txt`` scores
the tracks (MOTA, IDF1, HOTA).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from marionnette.cli.console import console, one_line_errors, training

app = typer.Typer(help="Detect objects with a YOLO-style network (train, eval, export, run).", no_args_is_help=True)


@app.command("train")
@one_line_errors
def train_(
    data: Annotated[Optional[Path], typer.Argument(help="COCO json of the training images")] = None,
    val: Annotated[Optional[Path], typer.Option(help="COCO json of held-out images (mAP each epoch)")] = None,
    size: Annotated[int, typer.Option(help="the network's square input, a multiple of 32")] = 320,
    epochs: Annotated[int, typer.Option(help="passes over the training images")] = 50,
    batch_size: Annotated[int, typer.Option(help="images a batch")] = 16,
    width: Annotated[float, typer.Option(help="width multiple (YOLOv8n: 0.25)")] = 0.25,
    p2: Annotated[bool, typer.Option("--p2", help="a stride-4 level too, for small objects (YOLOv8-p2)")] = False,
    lr: Annotated[float, typer.Option(help="AdamW's peak learning rate")] = 0.002,
    seed: Annotated[int, typer.Option(help="seeds the network, the batches and the augmentations")] = 0,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "auto",
    resume: Annotated[Optional[Path], typer.Option(help="continue this run from its newest checkpoint")] = None,
    runs_dir: Annotated[Path, typer.Option(help="where new runs go")] = Path("runs"),
) -> None:
    """Train a detector on DATA; writes runs/detect__yolo__<seed>__<time>/."""
    from marionnette.errors import MarionnetteError
    from marionnette.perception.detect.coco import read_coco
    from marionnette.perception.detect.model import DetectorConfig
    from marionnette.perception.detect.train import DetectTrainConfig, train

    config = None
    if resume is None:
        if data is None:
            raise MarionnetteError("give the training DATA (a COCO json), or --resume RUN")
        classes = len(read_coco(data).names)  # bad data fails before a run exists
        config = DetectTrainConfig(train=str(data), val=None if val is None else str(val), size=size, epochs=epochs,
                                   batch_size=batch_size, lr=lr, seed=seed,
                                   net=DetectorConfig(classes=classes, width=width, size=size, p2=p2))  # fmt: skip
    started = time.perf_counter()
    with training(f"detector on {data or resume}", "detect", unit="batches") as update:
        run = train(config, device=device, runs_dir=runs_dir, resume=resume, progress=update)
    console.print(f"trained in {time.perf_counter() - started:.1f}s → [bold]{run.path}[/]", soft_wrap=True)
    console.print(f"next: marionnette detect eval {run.path} VAL.json", soft_wrap=True)


@app.command("reid")
@one_line_errors
def reid_(
    scenes: Annotated[Path, typer.Argument(help="a scenes folder (marionnette data scenes), or a crop set .npz")],
    epochs: Annotated[int, typer.Option(help="epochs of --steps-per-epoch triplet batches")] = 30,
    steps_per_epoch: Annotated[int, typer.Option(help="batches an epoch")] = 100,
    held_out: Annotated[float, typer.Option(help="fraction of the identities held out for the scores")] = 0.25,
    seed: Annotated[int, typer.Option(help="seeds the network, the batches and the held-out identities")] = 0,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "auto",
    resume: Annotated[Optional[Path], typer.Option(help="continue this reid run from its newest checkpoint")] = None,
    runs_dir: Annotated[Path, typer.Option(help="where new runs go")] = Path("runs"),
) -> None:
    """Train the tracker's re-identification embedder (triplet loss) on the people of SCENES' training sequences."""
    from marionnette.perception.detect import reid

    config = None
    if resume is None:
        data = scenes
        if scenes.is_dir():
            from marionnette.pipelines.detect import scene_crops

            data = scene_crops(scenes).save(runs_dir / f"crops_{scenes.name}.npz")
            console.print(f"{reid.CropSet.load(data)} → {data}", soft_wrap=True, highlight=False)
        config = reid.ReidTrainConfig(data=str(data), epochs=epochs, steps_per_epoch=steps_per_epoch,
                                      held_out=held_out, seed=seed)  # fmt: skip
    started = time.perf_counter()
    with training(f"re-id embedder on {scenes if resume is None else resume}", "reid", unit="batches") as update:
        run = reid.train(config, device=device, runs_dir=runs_dir, resume=resume, epochs=None, progress=update)
    got = reid.evaluate(run.path)
    console.print(f"trained in {time.perf_counter() - started:.1f}s → [bold]{run.path}[/]", soft_wrap=True)
    for name, s in got.items():
        console.print(f"  held-out identities, {name:9s}: rank-1 {s.rank1:.3f}, AUC {s.auc:.3f}", highlight=False)
    console.print(f"next: marionnette track DETECT_RUN --source … --reid {run.path}", soft_wrap=True)


@app.command("eval")
@one_line_errors
def eval_(
    run: Annotated[Path, typer.Argument(help="a detect run directory, or its exported .onnx")],
    data: Annotated[Path, typer.Argument(help="COCO json of held-out images")],
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "cpu",
) -> None:
    """mAP@0.5 and mAP@0.5:0.95 of RUN on DATA (pycocotools' COCOeval)."""
    from marionnette.perception.detect.coco import read_coco
    from marionnette.perception.detect.metrics import coco_map
    from marionnette.pipelines.detect import open_detector

    dataset = read_coco(data)
    started = time.perf_counter()
    scores = coco_map(open_detector(run, device), dataset)
    console.print(f"{len(dataset)} images of {data}: mAP@0.5 {scores.map50:.3f}, mAP@0.5:0.95 {scores.map50_95:.3f} "
                  f"({time.perf_counter() - started:.1f}s)", soft_wrap=True, highlight=False)  # fmt: skip
    for name, (ap50, ap) in scores.per_class.items():
        console.print(f"  {name}: AP@0.5 {ap50:.3f}, AP@0.5:0.95 {ap:.3f}", highlight=False)


@app.command("export")
@one_line_errors
def export_(
    run: Annotated[Path, typer.Argument(help="a detect run directory")],
    out: Annotated[Path, typer.Option(help="the .onnx file to write")] = Path("detector.onnx"),
    size: Annotated[Optional[int], typer.Option(help="input side (default: the run's)")] = None,
) -> None:
    """Write RUN's detector, with its decoding, as ONNX (opset 17, dynamic batch) for onnxruntime."""
    from marionnette.perception.detect.export import export_onnx
    from marionnette.perception.detect.train import load

    path = export_onnx(load(run), out, size)
    console.print(f"→ [bold]{path}[/] ({path.stat().st_size / 1e6:.1f} MB)", soft_wrap=True, highlight=False)


@app.command("run")
@one_line_errors
def run_(
    run: Annotated[Path, typer.Argument(help="a detect run directory, or its exported .onnx")],
    source: Annotated[str, typer.Option(help="a video file, a folder of one video's frames, webcam or webcam:N")],
    out: Annotated[Optional[Path], typer.Option(help="the annotated video (.mp4)")] = None,
    coco: Annotated[Optional[Path], typer.Option(help="the boxes as COCO results (.json)")] = None,
    conf: Annotated[float, typer.Option(help="the least score drawn")] = 0.25,
    max_frames: Annotated[Optional[int], typer.Option(help="at most this many frames")] = None,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "cpu",
) -> None:
    """Draw RUN's boxes over SOURCE, frame by frame."""
    from marionnette.pipelines.detect import detect

    done = detect(run, source, out, coco=coco, conf=conf, max_frames=max_frames, device=device)
    console.print(f"{done.frames} frames, {done.boxes} boxes, {done.rate:.1f} frames/s ({done.model_rate:.1f} for the "
                  "detector)" + (f" → [bold]{done.video}[/]" if done.video else ""), soft_wrap=True,
                  highlight=False)  # fmt: skip


@one_line_errors
def track_(
    run: Annotated[Optional[Path], typer.Argument(help="a detect run directory or its .onnx")] = None,
    source: Annotated[Optional[str], typer.Option(help="a video file, a folder of frames, webcam or webcam:N")] = None,
    detections: Annotated[Optional[Path], typer.Option(help="track these MOTChallenge boxes instead")] = None,
    out: Annotated[Optional[Path], typer.Option(help="the annotated video (.mp4)")] = None,
    mot: Annotated[Optional[Path], typer.Option(help="the tracks as MOTChallenge text")] = None,
    reid: Annotated[Optional[Path], typer.Option(help="a re-identification run: appearance for the tracker")] = None,
    tracker: Annotated[str, typer.Option(help="byte (ByteTrack) or sort (its one-stage ablation)")] = "byte",
    gt: Annotated[Optional[Path], typer.Option(help="MOTChallenge ground truth: score the tracks against it")] = None,
    max_frames: Annotated[Optional[int], typer.Option(help="at most this many frames")] = None,
    fps: Annotated[Optional[float], typer.Option(help="frames a second (default: the video's; a folder 30)")] = None,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "cpu",
) -> None:
    """Track objects: a detector's over SOURCE, or the boxes of --detections (MOTChallenge text)."""
    import numpy as np

    from marionnette.errors import MarionnetteError
    from marionnette.perception.detect.mot import mot_scores, read_mot, write_mot
    from marionnette.perception.detect.track import TrackerConfig, track_sequence

    if detections is not None:
        if run is not None or source is not None:
            raise MarionnetteError("--detections tracks boxes already found: give it without a detector or --source")
        rows = track_sequence(read_mot(detections), TrackerConfig(mode=tracker, frame_rate=fps or 30.0))
        if mot is not None:
            write_mot(mot, rows)
        console.print(f"{len(np.unique(rows[:, 1])) if len(rows) else 0} tracks over "
                      f"{int(rows[:, 0].max()) if len(rows) else 0} frames" + (f" → [bold]{mot}[/]" if mot else ""),
                      soft_wrap=True, highlight=False)  # fmt: skip
    else:
        if run is None or source is None:
            raise MarionnetteError("give a detector (RUN or model.onnx) and --source, or --detections dets.txt")
        from marionnette.pipelines.detect import track

        done = track(run, source, out, mot=mot, reid=reid, mode=tracker, max_frames=max_frames, fps=fps,
                     device=device)  # fmt: skip
        rows = done.rows
        console.print(f"{done.frames} frames, {len(np.unique(rows[:, 1])) if len(rows) else 0} tracks, "
                      f"{done.rate:.1f} frames/s" + (f" → [bold]{done.video}[/]" if done.video else ""),
                      soft_wrap=True, highlight=False)  # fmt: skip
    if gt is not None:
        s = mot_scores(read_mot(gt), rows)
        hota = "n/a" if s.hota is None else f"{s.hota:.3f}"
        console.print(f"against {gt}: MOTA {s.mota:.3f}, IDF1 {s.idf1:.3f}, HOTA {hota}, ID switches {s.id_switches}",
                      highlight=False)  # fmt: skip


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="detect")
    root.command("track")(track_)
