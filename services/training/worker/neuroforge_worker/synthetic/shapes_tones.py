"""Coloured shapes and pitched tones, captioned in words: a multimodal task small enough to learn on a CPU in minutes.

* image: a red / green / blue circle / square / triangle on a noisy dark background, random position and size;
* audio: a low / mid / high sine tone (300 / 900 / 2400 Hz, +-4 %), random amplitude and phase, light noise;
* caption: "a red circle", "a high tone", or "a red circle and a high tone" when both are given.

Images are written as PNG and audio as 16-bit PCM WAV (standard library only), and the training tensors are built from
exactly the bytes written (PCM quantisation included), so the engine, decoding the files, sees what training saw.
"""

from __future__ import annotations

import io
import json
import struct
import wave
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

COLOURS = {"red": (220, 40, 40), "green": (40, 200, 60), "blue": (50, 80, 230)}
SHAPES = ("circle", "square", "triangle")
TONES = {"low": 300.0, "mid": 900.0, "high": 2400.0}
SUBSETS = ("image", "audio", "both")


@dataclass
class Sample:
    caption: str
    subset: str
    image: np.ndarray | None  # uint8 [S, S, 3]
    audio: np.ndarray | None  # int16 [n]


def render_shape(rng: np.random.Generator, size: int, colour: str, shape: str) -> np.ndarray:
    img = rng.integers(15, 60, size=(size, size, 1)).repeat(3, axis=2).astype(np.float64)
    img += rng.normal(0, 6, size=img.shape)
    cy, cx = rng.uniform(size * 0.35, size * 0.65, size=2)
    r = rng.uniform(size * 0.2, size * 0.32)
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    if shape == "circle":
        mask = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
    elif shape == "square":
        h = r * 0.85
        mask = (np.abs(yy - cy) <= h) & (np.abs(xx - cx) <= h)
    else:  # triangle, apex up: inside when below the two edges and above the base
        top, base = cy - r, cy + r * 0.8
        half = (yy - top) / (base - top) * r
        mask = (yy >= top) & (yy <= base) & (np.abs(xx - cx) <= half)
    rgb = np.array(COLOURS[colour], dtype=np.float64) + rng.uniform(-25, 25, size=3)
    img[mask] = rgb + rng.normal(0, 6, size=(int(mask.sum()), 3))
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def render_tone(rng: np.random.Generator, samples: int, sample_rate: int, pitch: str) -> np.ndarray:
    f = TONES[pitch] * rng.uniform(0.96, 1.04)
    t = np.arange(samples) / sample_rate
    x = rng.uniform(0.3, 0.6) * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi)) + rng.normal(0, 0.01, samples)
    return np.clip(np.rint(x * 32767), -32768, 32767).astype(np.int16)


def make_sample(rng: np.random.Generator, image_size: int, clip_samples: int, sample_rate: int, subset: str | None = None) -> Sample:
    subset = subset or SUBSETS[int(rng.integers(len(SUBSETS)))]
    parts, image, audio = [], None, None
    if subset in ("image", "both"):
        colour, shape = list(COLOURS)[int(rng.integers(3))], SHAPES[int(rng.integers(3))]
        image = render_shape(rng, image_size, colour, shape)
        parts.append(f"a {colour} {shape}")
    if subset in ("audio", "both"):
        pitch = list(TONES)[int(rng.integers(3))]
        audio = render_tone(rng, clip_samples, sample_rate, pitch)
        parts.append(f"a {pitch} tone")
    return Sample(" and ".join(parts), subset, image, audio)


# -- tensors as the engine builds them from the files ---------------------------------------------------------------


def pixels_of(image: np.ndarray, mean: list[float], std: list[float]) -> np.ndarray:
    """uint8 [S, S, 3] -> float32 [3, S, S]: (x/255 - mean) / std, as the engine's image preprocessing."""
    x = image.astype(np.float32) / 255.0
    return ((x - np.array(mean, dtype=np.float32)) / np.array(std, dtype=np.float32)).transpose(2, 0, 1).copy()


def waveform_of(audio: np.ndarray, clip_samples: int) -> np.ndarray:
    """int16 [n] -> float32 [clip]: /32768, zero-padded, as the engine's WAV reader."""
    out = np.zeros(clip_samples, dtype=np.float32)
    out[: audio.shape[0]] = audio.astype(np.float32) / 32768.0
    return out


# -- files --------------------------------------------------------------------------------------------------------


def png_bytes(image: np.ndarray) -> bytes:
    """A minimal RGB8 PNG (filter 0 per row, zlib)."""
    h, w, _ = image.shape
    raw = b"".join(b"\x00" + image[y].tobytes() for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def wav_bytes(audio: np.ndarray, sample_rate: int) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(audio.astype("<i2").tobytes())
    return buf.getvalue()


def write_set(samples: list[Sample], folder: Path, sample_rate: int) -> Path:
    """Writes NNNN.png / NNNN.wav and manifest.jsonl ({"image", "audio", "caption"}, paths relative to the folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for i, s in enumerate(samples):
        entry: dict[str, str | None] = {"caption": s.caption, "image": None, "audio": None}
        if s.image is not None:
            (folder / f"{i:04d}.png").write_bytes(png_bytes(s.image))
            entry["image"] = f"{i:04d}.png"
        if s.audio is not None:
            (folder / f"{i:04d}.wav").write_bytes(wav_bytes(s.audio, sample_rate))
            entry["audio"] = f"{i:04d}.wav"
        lines.append(json.dumps(entry))
    (folder / "manifest.jsonl").write_text("\n".join(lines) + "\n")
    return folder / "manifest.jsonl"
