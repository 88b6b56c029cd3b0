"""Importing this module loads the engine's models and libraries, for a forkserver's preload list.

``bot.worker`` starts its analysis child from a forkserver that imports this module first: a
child forked from it starts with the models in memory (shared copy-on-write), so replacing a
child stopped for a timeout or a crash costs a fork, not an interpreter start and ~0.5 s of
CPU of model loading. Best effort: if the models cannot load here, the child loads them itself
(``bot.jobs.analysis.warm_up``) and fails there the way it always did.

The libraries the engine imports where it uses them (OpenCV, PyAV, Pillow: about 210 ms of
CPU) are imported here too, or a child's first job would pay for them.
"""

from __future__ import annotations

import contextlib

from bot.vision import models

with contextlib.suppress(Exception):
    models.models()
with contextlib.suppress(ImportError):
    import av
    import av.video.reformatter  # noqa: F401
    import cv2  # noqa: F401
    import PIL.Image  # noqa: F401
