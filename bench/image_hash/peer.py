"""The reference side of bench/image_hash/run.sh: Meta's C++ PDQ (PyPI `pdqhash`) on Pillow's decode.

    python peer.py [--shrink SIDE] [--repeat N] FILE...

Prints one JSON line per file with the same keys as Lachan's `hash_timing` example: `path`,
`bytes`, `format`, `width`, `height`, `decode_ms`, `hash_ms`, `quality`, `pdq` and `stored` (the
eight hashes of `pdqhash.compute_dihedral`, reference order), or `path` and `error`.

Decoding is what python-threatexchange does before `pdqhash.compute`: `Image.open` on the bytes,
the pixels as stored (no EXIF orientation), converted to RGB when in another mode (its
`force_rgb`; alpha dropped), then `numpy.asarray`. With `--shrink SIDE` the image is resized after
decoding so its longer side is SIDE (bilinear, never enlarged), as Lachan's `shrink_to` does.
The timed hash is `compute_dihedral`, all eight hashes, as Lachan computes them (one hash alone
costs the same). Reading the file is not timed; decoding and hashing are timed N times (default
1) and the medians printed. `pdq` equals `stored[0]`: the reference's callers hash the stored
pixels.
"""

import argparse
import io
import json
import statistics
import time

import numpy as np
import pdqhash
from PIL import Image


def to_hex(bits: np.ndarray) -> str:
    """python-threatexchange's conversion: the 256 bits, first bit most significant."""
    return "%064x" % int("".join(str(int(b)) for b in bits), 2)


def decode(data: bytes, shrink: int | None) -> np.ndarray:
    image = Image.open(io.BytesIO(data))
    image.load()
    if image.mode != "RGB":
        image = image.convert("RGB")
    if shrink and max(image.size) > shrink:
        scale = shrink / max(image.size)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.BILINEAR)
    return np.asarray(image)


def time_file(path: str, shrink: int | None, repeat: int) -> dict:
    with open(path, "rb") as f:
        data = f.read()
    decode_s, hash_s = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        pixels = decode(data, shrink)
        decoded = time.perf_counter()
        hashes, quality = pdqhash.compute_dihedral(pixels)
        hashed = time.perf_counter()
        decode_s.append(decoded - start)
        hash_s.append(hashed - decoded)
    stored = [to_hex(h) for h in hashes]
    with Image.open(io.BytesIO(data)) as image:
        fmt = image.format
    return {
        "path": path,
        "bytes": len(data),
        "format": fmt,
        "width": int(pixels.shape[1]),
        "height": int(pixels.shape[0]),
        "decode_ms": round(statistics.median_low(decode_s) * 1e3, 3),
        "hash_ms": round(statistics.median_low(hash_s) * 1e3, 3),
        "quality": int(quality),
        "pdq": stored[0],
        "stored": stored,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="PDQ (pdqhash + Pillow) timing per file")
    parser.add_argument("--shrink", type=int, metavar="SIDE")
    parser.add_argument("--repeat", type=int, default=1, metavar="N")
    parser.add_argument("files", nargs="*", metavar="FILE")
    args = parser.parse_args()
    for path in args.files:
        try:
            line = time_file(path, args.shrink, max(1, args.repeat))
        except Exception as e:  # a file Pillow or pdqhash refuses is reported, not fatal
            line = {"path": path, "error": f"{type(e).__name__}: {e}"}
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
