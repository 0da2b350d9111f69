"""The clips the video stabilizer's parameters are chosen on: camera motion, moving subjects, cuts.

python tools/tuning_clips.py --output=/tmp/tuning        # writes the set as folders of PNG frames

Every clip is filmed from ../shared photos (backgrounds from data/content, subjects cut out of
data/people by their ground-truth masks), so clips from anywhere else stay held out. Each has the
trouble real footage has and a pan has not: a handheld camera (a seeded random walk of shift,
rotation and zoom on top of the planned motion), people moving against the background (so the
flow is not one global motion and they occlude and reveal it), and, in one clip, cuts. The
shared bigbuckbunny clip (animation, 640x360) is the set's real-motion member
(``--bigbuckbunny_frames``). The set is fixed here, before any parameter is chosen on it.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from absl import app, flags

import toolkit

flags.DEFINE_integer("frames", 40, "Frames per clip (the cut clip: this many over its three shots).")
flags.DEFINE_integer("bigbuckbunny_frames", 60, "Frames of the shared bigbuckbunny clip to include (0: none).")
flags.DEFINE_integer("seed", 0, "Seed of the handheld shake and of the subjects' paths.")
FLAGS = flags.FLAGS
SIZE = (640, 360)  # width, height

#: (name, background, motion, subjects): motion is (pan px/frame, zoom %/frame, rotation deg/frame);
#: subjects are people photos from data/people walking across (their speed in px/frame).
CLIPS = (
    ("walk_golden_gate", "golden_gate.jpg", (3.0, 0.0, 0.0), (("000000000036", 5.0),)),
    ("zoom_stata_two_people", "stata.jpg", (0.0, 0.6, 0.0), (("000000000446", 4.0), ("000000000572", -3.0))),
    ("turn_chicago", "chicago.jpg", (-2.0, 0.0, 0.3), ()),
    ("follow_tubingen", "tubingen.jpg", (5.0, -0.3, 0.0), (("000000000036", 6.0),)),
)
#: The cut clip: three shots of (background, motion, subjects), one after the other.
CUT_SHOTS = (("hoovertowernight.jpg", (2.0, 0.0, 0.0), ()),
             ("skimage_coffee.png", (0.0, 0.8, 0.0), (("000000000474", 4.0),)),
             ("skimage_astronaut.png", (0.0, 0.0, -0.4), ()))


def camera(t: int, motion: tuple[float, float, float], shake: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """2x3 affine from photo to frame coordinates at frame t: the planned pan, zoom and rotation
    about the photo's centre, plus the handheld shake (dx, dy, degrees) of frame t."""
    import cv2
    pan, zoom, turn = motion
    scale = max(SIZE[0] / (2 * centre[0]), SIZE[1] / (2 * centre[1])) * 1.25 * (1 + zoom / 100) ** t
    matrix = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), turn * t + shake[t, 2], scale)
    matrix[:, 2] += np.array([SIZE[0] / 2, SIZE[1] / 2]) - centre + np.array([-pan * t, 0.0]) + shake[t, :2]
    return matrix


def handheld(frames: int, rng: np.random.Generator) -> np.ndarray:
    """[frames, 3] shake: a random walk (1 px and 0.1 degree steps) pulled back towards rest."""
    shake, state = np.zeros((frames, 3)), np.zeros(3)
    for t in range(frames):
        state = 0.85 * state + rng.normal(0, [1.0, 1.0, 0.1])
        shake[t] = state
    return shake


def cutout(name: str, height: int) -> tuple[np.ndarray, np.ndarray]:
    """A person from data/people scaled to ``height`` px, and their soft mask [h, w, 1] in 0..1."""
    import cv2
    from tf_nst.media import images
    people = toolkit.SHARED_DATA / "people"
    photo = images.load_image(people / "images" / f"{name}.jpg", "content")
    mask = images.load_image(people / "masks" / f"{name}.png", "content")[..., :1] / 255.0
    rows, columns = np.nonzero(mask[..., 0] > 0.5)
    box = slice(rows.min(), rows.max() + 1), slice(columns.min(), columns.max() + 1)
    photo, mask = photo[box], mask[box]
    width = max(1, round(photo.shape[1] * height / photo.shape[0]))
    photo = cv2.resize(photo, (width, height), interpolation=cv2.INTER_AREA)
    mask = cv2.GaussianBlur(cv2.resize(mask, (width, height), interpolation=cv2.INTER_AREA), (0, 0), 1.0)
    return photo, mask[..., None]


def paste(frame: np.ndarray, subject: tuple[np.ndarray, np.ndarray], x: float, y: float) -> None:
    """Alpha-composite ``subject`` into ``frame`` (float32, in place) with its top-left at (x, y)."""
    photo, mask = subject
    h, w = mask.shape[:2]
    left, top = int(round(x)), int(round(y))
    a, b = max(0, -top), max(0, -left)
    c, d = min(h, frame.shape[0] - top), min(w, frame.shape[1] - left)
    if c <= a or d <= b:
        return
    region = frame[top + a:top + c, left + b:left + d]
    region += mask[a:c, b:d] * (photo[a:c, b:d] - region)


def shot(background: str, motion, subjects, frames: int, rng: np.random.Generator) -> list[np.ndarray]:
    import cv2
    from tf_nst.media import images
    photo = images.load_image(toolkit.SHARED_DATA / "content" / background, "content")
    centre = np.array([photo.shape[1] / 2, photo.shape[0] / 2])
    shake = handheld(frames, rng)
    walkers = []
    for name, speed in subjects:
        height = int(rng.uniform(0.55, 0.8) * SIZE[1])
        start = rng.uniform(0.05, 0.3) * SIZE[0] if speed > 0 else rng.uniform(0.55, 0.8) * SIZE[0]
        walkers.append((cutout(name, height), start, speed, SIZE[1] - height + rng.uniform(0, 0.1) * SIZE[1],
                        rng.uniform(0, 2 * np.pi)))
    clip = []
    for t in range(frames):
        frame = cv2.warpAffine(photo, camera(t, motion, shake, centre), SIZE, flags=cv2.INTER_CUBIC,
                               borderMode=cv2.BORDER_REFLECT).astype(np.float32)
        for subject, start, speed, top, phase in walkers:  # walking: a steady pace and a 3 px bob
            paste(frame, subject, start + speed * t, top + 3 * np.sin(phase + 0.6 * t))
        clip.append(np.clip(frame, 0, 255).round().astype(np.uint8))
    return clip


def write(folder: Path, clip: list[np.ndarray]) -> None:
    """Frames as numbered PNGs in ``folder`` (written beside it, then renamed into place)."""
    from tf_nst.media import images
    partial = folder.with_name(folder.name + ".partial")
    partial.mkdir(parents=True, exist_ok=True)
    for index, frame in enumerate(clip):
        images.save_image(partial / f"{index:04d}.png", frame)
    os.replace(partial, folder)


def main(_):
    if not FLAGS.output:
        raise app.UsageError("--output=FOLDER is needed")
    output, rng = Path(FLAGS.output), np.random.default_rng(FLAGS.seed)
    output.mkdir(parents=True, exist_ok=True)
    for name, background, motion, subjects in CLIPS:
        write(output / name, shot(background, motion, subjects, FLAGS.frames, rng))
    per_shot = FLAGS.frames // len(CUT_SHOTS)
    write(output / "three_shots", [frame for background, motion, subjects in CUT_SHOTS
                                   for frame in shot(background, motion, subjects, per_shot, rng)])
    if FLAGS.bigbuckbunny_frames:
        from tf_nst.video.clips import VideoSource
        source = VideoSource(toolkit.SHARED_DATA / "video" / "bigbuckbunny.mp4", max_size=SIZE[0])
        try:
            frames = [frame for _, frame in zip(range(FLAGS.bigbuckbunny_frames), source.frames())]
        finally:
            source.close()
        write(output / "bigbuckbunny", frames)
    print(f"wrote {len(CLIPS) + 1 + bool(FLAGS.bigbuckbunny_frames)} clips to {output}")


if __name__ == "__main__":
    app.run(main)
