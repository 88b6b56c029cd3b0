"""dlib's 128-d face encoder (``dlib_face_recognition_resnet_model_v1``) run on numpy's BLAS.

The ``dlib-bin`` wheel is built without a BLAS library, and its ResNet takes ~77 ms of CPU per
face on this machine; the same network, its weights read from dlib's own file, runs here as
matrix products on the OpenBLAS that numpy ships, in about a quarter of that. The face chip
is still cut by dlib (``get_face_chip``, the same call ``compute_face_descriptor`` makes), so
only the network's arithmetic moves: float32 as in dlib, summed in another order (the
encodings agree to about 1e-6; ``tests/vision/test_resnet.py`` compares them with dlib's).

The network is dlib's ``dnn_face_recognition_ex`` one: a 7x7 convolution, max pooling, then
residual blocks of 32, 64, 128, 256 and 256 filters (the first of each later level halving the
size, its shortcut average-pooled and zero-padded), a global average and a 128-wide linear layer.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

CHIP_SIZE = 150
CHIP_PADDING = 0.25
_MEAN_RGB = np.array([122.782, 117.001, 104.298], dtype=np.float32)
"""``input_rgb_image_sized``'s per-channel means (checked against the file when loading)."""


@dataclass(frozen=True)
class Conv:
    """A convolution: weights as an im2col matrix (rows ordered kernel row, column, channel)."""

    weights: np.ndarray
    bias: np.ndarray
    size: int
    stride: int
    padding: int
    gamma: np.ndarray  # the affine layer that follows every convolution here
    beta: np.ndarray


@dataclass(frozen=True)
class Net:
    """The encoder's layers, in the order the network runs them."""

    first: Conv
    blocks: tuple[tuple[Conv, Conv, bool], ...]  # (conv, conv, halves the size)
    fc: np.ndarray  # 256 x 128


class _Reader:
    """dlib's serialization: integers as a length byte (bit 7: negative) and little-endian
    bytes, floats as two integers (mantissa, power of two), tensors (version 2) as four sizes
    and raw little-endian float32."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def integer(self) -> int:
        head = self.data[self.pos]
        n = head & 0x0F
        value = int.from_bytes(self.data[self.pos + 1 : self.pos + 1 + n], "little")
        self.pos += 1 + n
        return -value if head & 0x80 else value

    def real(self) -> float:
        mantissa, exponent = self.integer(), self.integer()
        return float(mantissa) * 2.0**exponent

    def tensor(self) -> np.ndarray:
        if self.integer() != 2:
            raise ValueError("unknown tensor version")
        n, k, nr, nc = self.integer(), self.integer(), self.integer(), self.integer()
        size = n * k * nr * nc
        out = np.frombuffer(self.data, dtype="<f4", count=size, offset=self.pos)
        self.pos += 4 * size
        return out  # a view of the file's bytes: what is kept is copied out of it

    def seek(self, name: str) -> None:
        """Move to just after the next serialized string ``name``."""
        raw = name.encode("latin-1")
        at = self.data.find(bytes([1, len(raw)]) + raw, self.pos)
        if at < 0:
            raise ValueError(f"no {name} layer left in the file")
        self.pos = at + 2 + len(raw)


@functools.cache
def _threads_setter() -> Callable[[int], int] | None:
    """OpenBLAS's setter of the calling thread's BLAS threads (numpy's copy), or None.

    OpenBLAS splits a product over every core by default; in a process pinned to one core
    (the bench's, or a busy worker) its threads then wait on each other: an encoding took
    557 ms of CPU instead of 24. Each encoding runs on one thread of OpenBLAS.
    """
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.rsplit("/", 1)[-1]}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            setter = ctypes.CDLL(path).openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        setter.argtypes = [ctypes.c_int]
        setter.restype = ctypes.c_int
        return setter
    return None


def usable() -> bool:
    """Whether this process can run the network on one BLAS thread (numpy on OpenBLAS)."""
    return _threads_setter() is not None


def load(path: str | Path) -> Net:
    """Read the encoder's weights from dlib's model file."""
    reader = _Reader(Path(path).read_bytes())
    reader.seek("input_rgb_image_sized")
    means = np.array([reader.real() for _ in range(3)], dtype=np.float32)
    if not np.allclose(means, _MEAN_RGB, atol=1e-3):
        raise ValueError(f"unexpected input means {means}")

    def conv() -> Conv:
        reader.seek("con_4")
        params = reader.tensor()
        filters, rows, cols = reader.integer(), reader.integer(), reader.integer()
        stride_y, stride_x, pad_y, pad_x = (reader.integer() for _ in range(4))
        if rows != cols or stride_y != stride_x or pad_y != pad_x:
            raise ValueError("a convolution that is not square")
        channels = (params.size - filters) // (filters * rows * cols)
        w = params[: filters * channels * rows * cols].reshape(filters, channels, rows, cols)
        bias = params[filters * channels * rows * cols :]
        reader.seek("affine_")
        scale = reader.tensor()
        if scale.size != 2 * filters:
            raise ValueError("an affine layer that does not fit its convolution")
        return Conv(
            np.ascontiguousarray(w.transpose(2, 3, 1, 0).reshape(-1, filters), np.float32),
            np.array(bias, np.float32),
            rows,
            stride_y,
            pad_y,
            np.array(scale[:filters], np.float32),
            np.array(scale[filters:], np.float32),
        )

    first = conv()
    blocks: list[tuple[Conv, Conv, bool]] = []
    for _ in range(14):
        a = conv()
        b = conv()
        blocks.append((a, b, a.stride == 2))
    reader.seek("fc_2")
    outputs, inputs = reader.integer(), reader.integer()
    fc = reader.tensor()
    if (outputs, inputs) != (128, 256) or fc.size != 256 * 128:
        raise ValueError("unexpected size of the last layer")
    return Net(first, tuple(blocks), np.array(fc.reshape(256, 128), np.float32))


def _conv(x: np.ndarray, layer: Conv) -> np.ndarray:
    """Convolution then the affine layer, on an H x W x C float32 image."""
    k, s, p = layer.size, layer.stride, layer.padding
    if p:  # zeros around (np.pad costs more than the copy)
        padded = np.zeros((x.shape[0] + 2 * p, x.shape[1] + 2 * p, x.shape[2]), np.float32)
        padded[p:-p, p:-p] = x
        x = padded
    # every k x k window as a row (kernel row, column, channel): one copy of a strided view
    windows = sliding_window_view(x, (k, k), axis=(0, 1))[::s, ::s]
    h, w = windows.shape[:2]
    cols = windows.transpose(0, 1, 3, 4, 2).reshape(h * w, -1)
    out = cols @ layer.weights
    out += layer.bias
    out *= layer.gamma
    out += layer.beta
    return np.asarray(out.reshape(h, w, -1), dtype=np.float32)


def _pool(x: np.ndarray, size: int, stride: int, reduce: str) -> np.ndarray:
    h = (x.shape[0] - size) // stride + 1
    w = (x.shape[1] - size) // stride + 1
    parts = [
        x[i : i + stride * (h - 1) + 1 : stride, j : j + stride * (w - 1) + 1 : stride]
        for i in range(size)
        for j in range(size)
    ]
    if reduce == "max":
        out = parts[0].copy()
        for part in parts[1:]:
            np.maximum(out, part, out=out)
        return np.asarray(out, dtype=np.float32)
    total = np.add.reduce(parts, dtype=np.float32)
    return np.asarray(total / np.float32(size * size), dtype=np.float32)


def _add_padded(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a + b``, each zero-padded at the end of every axis to the larger (dlib's ``add_prev``)."""
    if a.shape == b.shape:
        return np.asarray(a + b, dtype=np.float32)
    shape = tuple(max(x, y) for x, y in zip(a.shape, b.shape, strict=True))
    out = np.zeros(shape, dtype=np.float32)
    out[: a.shape[0], : a.shape[1], : a.shape[2]] += a
    out[: b.shape[0], : b.shape[1], : b.shape[2]] += b
    return out


def forward(net: Net, chip: np.ndarray) -> np.ndarray:
    """The 128-d encoding of a 150 x 150 RGB face chip (uint8), as float64 like dlib's."""
    setter = _threads_setter()
    previous = setter(1) if setter is not None else None
    try:
        return _forward(net, chip)
    finally:
        if setter is not None and previous is not None:
            setter(previous)


def _forward(net: Net, chip: np.ndarray) -> np.ndarray:
    x = (chip.astype(np.float32) - _MEAN_RGB) / np.float32(256.0)
    x = np.maximum(_conv(x, net.first), 0.0)
    x = _pool(x, 3, 2, "max")
    for a, b, down in net.blocks:
        y = np.maximum(_conv(x, a), 0.0)
        y = _conv(y, b)
        shortcut = _pool(x, 2, 2, "avg") if down else x
        x = np.maximum(_add_padded(shortcut, y), 0.0)
    pooled = x.reshape(-1, x.shape[2]).mean(axis=0, dtype=np.float32)
    return np.asarray(pooled @ net.fc, dtype=np.float64)
