"""Writing generated frames to video files, and contact sheets to look at them.

One writer for every test-video source (``synth``, ``render3d``, the held-out set), so that
the sources differ in what they show, never in how it is encoded.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import cast

import numpy as np


def made_once(path: Path, make: Callable[[Path], object]) -> Path:
    """``path``, made by ``make`` (given a temporary name beside it) unless it exists.

    The temporary name carries the process id, and the file appears whole under its own name
    (a rename), so several test processes sharing one fixture cache never see half a clip or
    take each other's temporary file.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
        try:
            make(tmp)
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
    return path


def write_video(
    path: Path,
    frames: Iterable[np.ndarray],
    fps: float,
    *,
    codec: str = "libx264",
    crf: int = 26,
    rotation: int = 0,
    faststart: bool = False,
) -> Path:
    """Encode RGB frames (MP4/MOV with H.264, WebM with VP8/VP9), optionally with rotation."""
    from fractions import Fraction

    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as container:
        stream = cast(
            "av.video.stream.VideoStream",
            container.add_stream(codec, rate=Fraction(round(fps * 1000), 1000)),
        )
        stream.pix_fmt = "yuv420p"
        if codec == "libx264":
            # No macroblock tree: with it, x264 gave other bytes for the same frames depending
            # on what the process had done before (building a 3D head between two encodings
            # was enough; one thread or several alike), so a test clip was not the same clip
            # from one run to the next. Without it the bytes depend on the frames only.
            # (VP8/VP9 decode to the same frames every time; only WebM's random segment id
            # differs.)
            stream.options = {"crf": str(crf), "preset": "veryfast", "x264-params": "mbtree=0"}
        elif codec.startswith("libvpx"):
            stream.options = {
                "crf": str(crf + 6),
                "b": "0",
                "deadline": "realtime",
                "cpu-used": "8",
            }
        first = True
        for rgb in frames:
            if first:
                stream.height, stream.width = rgb.shape[:2]
                if rotation:
                    stream.set_display_rotation(rotation)
                first = False
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def contact_sheet(frames: Sequence[np.ndarray], path: Path, cols: int = 8, side: int = 200) -> Path:
    """Save frames side by side as a PNG (to look at what was generated)."""
    import cv2

    tiles = []
    for f in frames:
        hh, ww = f.shape[:2]
        s = side / max(hh, ww)
        tile = np.zeros((side, side, 3), np.uint8)
        small = cv2.resize(f, (round(ww * s), round(hh * s)), interpolation=cv2.INTER_AREA)
        tile[: small.shape[0], : small.shape[1]] = small
        tiles.append(tile)
    while len(tiles) % cols:
        tiles.append(np.zeros_like(tiles[0]))
    rows = [np.hstack(tiles[i : i + cols]) for i in range(0, len(tiles), cols)]
    cv2.imwrite(str(path), cv2.cvtColor(np.vstack(rows), cv2.COLOR_RGB2BGR))
    return path
