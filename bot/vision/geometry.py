"""Landmark geometry: eye aspect ratio, head pose, planar-motion residual, image quality."""

from __future__ import annotations

import math

import numpy as np

# A generic 3D face (millimetres; x toward the image right of a frontal face, y up, z out of
# the face toward the camera) for the
# landmarks solvePnP uses: nose tip, chin, outer eye corners, mouth corners, nose bridge.
_MODEL_IDX = np.array([30, 8, 36, 45, 48, 54, 27, 31, 35])
_MODEL_3D = np.array(
    [
        (0.0, 0.0, 0.0),
        (0.0, -63.6, -12.5),
        (-43.3, 32.7, -26.0),
        (43.3, 32.7, -26.0),
        (-28.9, -28.9, -24.1),
        (28.9, -28.9, -24.1),
        (0.0, 33.0, -18.0),
        (-10.0, -5.0, -14.0),
        (10.0, -5.0, -14.0),
    ],
    dtype=np.float64,
)


def eye_aspect_ratio(points: np.ndarray) -> float:
    """Mean eye aspect ratio of both eyes (Soukupová and Čech, 2016)."""

    def one(eye: np.ndarray) -> float:
        vertical = np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])
        horizontal = np.linalg.norm(eye[0] - eye[3])
        return float(vertical / (2.0 * horizontal)) if horizontal > 1e-6 else 0.0

    return (one(points[36:42]) + one(points[42:48])) / 2.0


def eye_openness(points: np.ndarray) -> tuple[float, float]:
    """Openness of the left and right eye (image left and right): eyelid gap over nose length.

    The gap is the mean of the two upper-to-lower eyelid distances; the unit is the nose, from
    its bridge (27) to its base (33), measured along the face's vertical axis (across the line
    of the eyes). Both are vertical distances of the face: a head that turns (yaw) shortens
    neither, a head that nods (pitch) shortens both alike, a tilted head (roll) changes nothing.
    The eye aspect ratio, whose unit is the eye's own width, rises as the head turns (the
    width foreshortens) and makes the frontal frames after a turn look like closed eyes.
    Open eyes measure about 0.18-0.20, closed ones about 0.08 (dlib never closes the lids).
    """
    left, right = points[36:42], points[42:48]
    axis = right.mean(axis=0) - left.mean(axis=0)
    length = float(np.hypot(axis[0], axis[1]))
    if length < 1e-6:
        return 0.0, 0.0
    normal = np.array([-axis[1], axis[0]]) / length
    unit = abs(float(np.dot(points[33] - points[27], normal)))
    if unit < 1e-6:
        return 0.0, 0.0

    def gap(eye: np.ndarray) -> float:
        return float(np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])) / 2.0

    return gap(left) / unit, gap(right) / unit


def face_height(points: np.ndarray) -> float:
    """Distance from the top of the nose bridge to the chin (landmarks 27 and 8): the face's
    size along its midline, which a turn of the head (yaw) does not foreshorten."""
    return float(np.linalg.norm(points[27] - points[8]))


def eye_distance(points: np.ndarray) -> float:
    """Distance between the eye centres, the scale unit of the face."""
    return float(np.linalg.norm(points[36:42].mean(axis=0) - points[42:48].mean(axis=0)))


def head_yaw(points: np.ndarray, width: int, height: int) -> float:
    """Out-of-plane yaw in degrees from solvePnP; positive when the nose moves to frame right."""
    return head_pose(points, width, height)[0]


_NO_DISTORTION = np.zeros(4)
_CAMERAS: dict[tuple[int, int], np.ndarray] = {}


def _camera(width: int, height: int) -> np.ndarray:
    """The pinhole camera ``head_pose`` assumes for a ``width`` x ``height`` frame (kept)."""
    camera = _CAMERAS.get((width, height))
    if camera is None:
        focal = float(max(width, height))
        camera = np.array(
            [[focal, 0.0, width / 2.0], [0.0, focal, height / 2.0], [0.0, 0.0, 1.0]],
            dtype=np.float64,
        )
        camera.flags.writeable = False
        if len(_CAMERAS) < 16:
            _CAMERAS[(width, height)] = camera
    return camera


def head_pose(points: np.ndarray, width: int, height: int) -> tuple[float, float]:
    """Yaw and pitch in degrees from solvePnP (NaN, NaN when it fails).

    Yaw is positive when the nose moves to the frame's right, pitch when it moves down (the
    face looks down). Pitch is read against the generic face, whose rest pitch differs from a
    person's: compare it with the same video's other frames, not with zero.
    """
    import cv2

    camera = _camera(width, height)
    image_pts = points[_MODEL_IDX].astype(np.float64)
    ok, rvec, tvec = cv2.solvePnP(
        _MODEL_3D, image_pts, camera, _NO_DISTORTION, flags=cv2.SOLVEPNP_EPNP
    )
    if not ok:
        return float("nan"), float("nan")
    # Refined from EPnP's pose, not from the previous frame's: the refinement (20
    # Levenberg-Marquardt steps) has often not converged, so its result depends on where it
    # starts; a start from the previous frame, or the iterative method alone, moved some
    # frames' yaw by tens of degrees (bot/vision/README.md section 6).
    ok, rvec, _tvec = cv2.solvePnP(
        _MODEL_3D,
        image_pts,
        camera,
        _NO_DISTORTION,
        rvec=rvec,
        tvec=tvec,
        useExtrinsicGuess=True,
        flags=cv2.SOLVEPNP_ITERATIVE,
    )
    rot, _ = cv2.Rodrigues(rvec)
    forward = rot[:, 2]  # the rotated z axis, rot @ (0, 0, 1)
    # The face looks at the camera along -z; its forward vector's x is where the nose points,
    # its y (image y grows downward) how far it points down.
    fx, fy, fz = float(forward[0]), float(forward[1]), float(forward[2])
    yaw = math.degrees(math.atan2(fx, -fz))
    pitch = math.degrees(math.atan2(fy, math.hypot(fx, fz)))
    return yaw, pitch


def planar_residual(a: np.ndarray, b: np.ndarray) -> float:
    """RMS error of the best homography from landmarks ``a`` to ``b``, over ``b``'s eye distance.

    A flat picture moved, tilted or rolled keeps this near the landmark noise; a real head
    turning does not, because the nose and the face outline lie at different depths.
    """
    import cv2

    hom, _ = cv2.findHomography(a.astype(np.float64), b.astype(np.float64), 0)
    if hom is None:
        return float("inf")
    ones = np.ones((len(a), 1))
    mapped = np.hstack([a, ones]) @ hom.T
    proj = mapped[:, :2] / mapped[:, 2:3]
    rms = float(np.sqrt(np.mean(np.sum((proj - b) ** 2, axis=1))))
    return rms / max(eye_distance(b), 1e-6)


def surroundings_follow(
    gray0: np.ndarray, points0: np.ndarray, gray1: np.ndarray, points1: np.ndarray
) -> float | None:
    """How much better the surroundings of the face follow the face's plane motion than stay.

    The homography that carries the landmarks of frame 0 onto those of frame 1 is applied to a
    ring around the face (1.3 to 2.2 half-widths of the landmarks' box from its centre). On a
    photo or a screen held to the camera, the ring is the rest of the picture (hair, shoulders,
    the room in the picture, the screen's edge): it moves with the face, and the warped frame 0
    matches frame 1 there. Behind a real head the room stays where it was (or moves with the
    camera), and the unwarped frame 0 matches better. Returns the normalised cross-correlation
    of the warped frame minus that of the unwarped one over the ring (-1..1), or None when the
    ring is mostly out of the frame or has no texture to tell.
    """
    import cv2

    hom, _ = cv2.findHomography(points0.astype(np.float64), points1.astype(np.float64), 0)
    if hom is None:
        return None
    h, w = gray1.shape[:2]
    x0, y0 = points1.min(axis=0)
    x1, y1 = points1.max(axis=0)
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    half = max(x1 - x0, y1 - y0) / 2.0
    ys, xs = np.mgrid[0:h, 0:w]
    dist = np.maximum(np.abs(xs - cx), np.abs(ys - cy))
    ring = (dist > 1.3 * half) & (dist < 2.2 * half)
    warped = cv2.warpPerspective(gray0, hom, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
    inside = cv2.warpPerspective(np.ones_like(gray0), hom, (w, h), flags=cv2.INTER_NEAREST) > 0
    ring &= inside
    if ring.sum() < 0.25 * np.pi * ((2.2 * half) ** 2 - (1.3 * half) ** 2) or ring.sum() < 200:
        return None
    target = gray1[ring].astype(np.float64)
    if float(target.std()) < 2.0:
        return None  # a plain wall: nothing to tell

    def ncc(a: np.ndarray) -> float:
        a = a - a.mean()
        b = target - target.mean()
        den = float(np.sqrt((a * a).sum() * (b * b).sum()))
        return float((a * b).sum()) / den if den > 0 else 0.0

    return ncc(warped[ring].astype(np.float64)) - ncc(gray0[ring].astype(np.float64))


def face_crop(image: np.ndarray, points: np.ndarray, margin: float = 0.0) -> np.ndarray:
    """The landmarks' bounding box (grown by ``margin`` of its size), clipped to the image."""
    x0, y0 = points.min(axis=0)
    x1, y1 = points.max(axis=0)
    mx, my = (x1 - x0) * margin, (y1 - y0) * margin
    h, w = image.shape[:2]
    left, top = max(0, int(x0 - mx)), max(0, int(y0 - my))
    right, bottom = min(w, int(x1 + mx) + 1), min(h, int(y1 + my) + 1)
    return image[top:bottom, left:right]


SHARPNESS_WIDTH = 128
"""Width in pixels at which the inner face's sharpness is measured."""


def inner_face_width(points: np.ndarray) -> float:
    """Width of the inner face (brows to chin, landmarks 17-67), whose sharpness is measured."""
    return float(np.ptp(points[17:68, 0]))


def brightness_and_sharpness(gray: np.ndarray, points: np.ndarray) -> tuple[float, float]:
    """Median luma of the inner face, and its sharpness.

    Sharpness is the variance of the Laplacian of the face resized to ``SHARPNESS_WIDTH`` px
    wide, over the variance of the face itself (x 100), so that it does not depend on contrast
    or light. A face narrower than that in ``gray`` is interpolated up, which lowers the
    measure whatever the focus: give a finer image when there is one.
    """
    crop = _measurable_face(gray, points)
    return (0.0, 0.0) if crop is None else (_median(crop), _sharpness(crop))


def brightness(gray: np.ndarray, points: np.ndarray) -> float:
    """The brightness of ``brightness_and_sharpness`` alone."""
    crop = _measurable_face(gray, points)
    return 0.0 if crop is None else _median(crop)


def sharpness(gray: np.ndarray, points: np.ndarray) -> float:
    """The sharpness of ``brightness_and_sharpness`` alone."""
    crop = _measurable_face(gray, points)
    return 0.0 if crop is None else _sharpness(crop)


def _measurable_face(gray: np.ndarray, points: np.ndarray) -> np.ndarray | None:
    """The face's crop (brows to chin), or None when it is too small to measure."""
    crop = face_crop(gray, points[17:68])
    return None if crop.size == 0 or min(crop.shape[:2]) < 4 else crop


def _median(crop: np.ndarray) -> float:
    """``np.median`` of an 8-bit image, the same value, read from its histogram.

    A sort of the face's pixels (what ``np.median`` does) is two to three times slower than
    counting them into 256 bins; the median of integers is the middle count's bin (the mean of
    the two middle ones for an even count), exactly as ``np.median`` gives it.
    """
    import cv2

    if crop.dtype != np.uint8:
        return float(np.median(crop))
    counts = cv2.calcHist([crop], [0], None, [256], [0, 256]).ravel().cumsum()
    n = crop.size
    low = int(np.searchsorted(counts, (n - 1) // 2, side="right"))
    high = int(np.searchsorted(counts, n // 2, side="right"))
    return (low + high) / 2.0


def _sharpness(crop: np.ndarray) -> float:
    import cv2

    scale = SHARPNESS_WIDTH / crop.shape[1]
    norm = cv2.resize(
        crop,
        (SHARPNESS_WIDTH, max(4, round(crop.shape[0] * scale))),
        interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
    )
    # Variances from OpenCV's mean and standard deviation: the same as numpy's ``var`` to
    # about 1e-14 of the value, in half the time (numpy converts and copies the image first).
    _, lap_sd = cv2.meanStdDev(cv2.Laplacian(norm, cv2.CV_64F))
    _, sd = cv2.meanStdDev(norm)
    return 100.0 * float(lap_sd[0, 0]) ** 2 / (float(sd[0, 0]) ** 2 + 1.0)
