"""Live action recognition's frame rate at 640x480, beside bare MediaPipe on the same frames.

    .venv/bin/python scripts/bench_recognize.py [--run RUN] [--clip wave] [--repeats 3]

The character's built-in clip is rendered at 640x480 by its front camera and written to an
MP4 first (not timed), so both rows decode the same video: ``MediaPipe alone`` is decoding +
``PoseCapture.process``; ``recognize`` is the whole pipeline
(:func:`marionnette.pipelines.recognize.recognize`: decoding, MediaPipe, Kinect's joints,
a prediction every 5 frames, the label drawn; no video written). Without ``--run`` a
recognizer is trained first (MTLN on the scratch CNN, 6 subjects, 10 epochs, not timed).
Best of ``--repeats`` runs each, alternating.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from marionnette.body import Character, VirtualCamera
from marionnette.body.clips import clip_qpos
from marionnette.perception.pose import CaptureConfig, PoseCapture, open_source
from marionnette.pipelines.recognize import recognize
from marionnette.runs import write_video


def mediapipe_alone(video: Path) -> float:
    frames = 0
    with PoseCapture(CaptureConfig()) as capture:
        started = time.perf_counter()
        for t, image in open_source(video):
            capture.process(image, t)
            frames += 1
        return frames / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path)
    parser.add_argument("--clip", default="wave")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_recognize_"))
    run = args.run
    if run is None:
        from marionnette.datasets.actions import ActionConfig, make_actions
        from marionnette.perception.action.train import ActionTrainConfig, train

        make_actions(ActionConfig(subjects=6, replications=2)).save(work / "data" / "actions.npz")
        config = ActionTrainConfig(model="mtln", epochs=10, model_config={"cnn": "scratch"})
        run = train(work / "data", config, device="cpu", runs_dir=work / "runs").path
    character = Character()
    camera = VirtualCamera(character, clip_qpos(args.clip, fps=30), fps=30, width=640, height=480)
    video = write_video(work / f"{args.clip}.mp4", (image for _, image in camera), 30)
    bare, whole, last = [], [], None
    for _ in range(args.repeats):
        bare.append(mediapipe_alone(video))
        result = recognize(run, video, window=False)
        whole.append(result.rate)
        last = result.last
    print(f"{len(result.labels)} frames of {args.clip} at 640x480, best of {args.repeats}; last label {last!r}")
    print("| pipeline | FPS |")
    print("|---|---|")
    print(f"| MediaPipe alone (decode + PoseCapture) | {max(bare):.1f} |")
    print(f"| recognize (decode + MediaPipe + window + MTLN every 5 frames + label drawn) | {max(whole):.1f} |")
    print(f"recognize costs {100 * (1 - max(whole) / max(bare)):.0f}% of MediaPipe's rate")


if __name__ == "__main__":
    main()
