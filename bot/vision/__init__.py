"""Verification engine: liveness (blink, head turns) and face match from a selfie video.

Import is cheap: FFmpeg (PyAV), OpenCV and the dlib models load on first use.
"""

from bot.vision.engine import analyse_photo, analyse_video, face_encoding
from bot.vision.report import (
    Decision,
    KeyFrame,
    MatchResult,
    PhotoReport,
    VideoReport,
    decide,
)
from bot.vision.types import (
    Action,
    Limits,
    Reason,
    Thresholds,
    Verdict,
    VisionError,
    parse_challenge,
)

__all__ = [
    "Action",
    "Decision",
    "KeyFrame",
    "Limits",
    "MatchResult",
    "PhotoReport",
    "Reason",
    "Thresholds",
    "Verdict",
    "VideoReport",
    "VisionError",
    "analyse_photo",
    "analyse_video",
    "decide",
    "face_encoding",
    "parse_challenge",
]
