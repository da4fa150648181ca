"""Writes small seed images for the `image_hash` fuzz target into a directory.

    python image_seeds.py OUT_DIR          (needs Pillow; e.g. the venv of bench/image_hash/run.sh)

Every file is made here from fixed pixels (no test data is copied): each format the target
decodes, in its common variants (JPEG baseline/progressive/4:4:4/grey/CMYK/EXIF-rotated, PNG in
every Pillow mode and animated, GIF still and animated, WebP lossy/lossless/alpha/animated, BMP),
sizes around the hash's edge cases (1×1, 4×4, 5×5, 64×64), and inputs that must be refused: a cut
JPEG, a PNG and a JPEG header claiming 100000×100000 pixels, HEIC and TIFF headers.
"""

import io
import pathlib
import struct
import sys
import zlib

from PIL import Image


def picture(w: int, h: int, mode: str = "RGB") -> Image.Image:
    """A deterministic picture with edges and gradients, converted to `mode`."""
    img = Image.new("RGB", (w, h))
    img.putdata([((x * 255) // max(1, w - 1), (y * 255) // max(1, h - 1), ((x // 4 + y // 3) % 2) * 200)
                 for y in range(h) for x in range(w)])
    return img.convert(mode)


def saved(img: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **options)
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb() -> bytes:
    """A valid-looking PNG header claiming 100000×100000 RGB, with a few bytes of data."""
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 4096, 9)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def jpeg_bomb(small_jpeg: bytes) -> bytes:
    """`small_jpeg` with its frame header's size replaced by 100000... capped at 65535 a side."""
    data = bytearray(small_jpeg)
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 65535, 65535)
    return bytes(data)


def animated(fmt: str, **options) -> bytes:
    frames = [picture(24, 20, "RGB").rotate(90 * k) for k in range(3)]
    if fmt == "GIF":
        frames = [f.convert("P") for f in frames]
    return saved(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0, **options)


def seeds() -> dict[str, bytes]:
    exif = Image.Exif()
    exif[0x0112] = 6
    base = picture(40, 30)
    jpeg = saved(base, "JPEG", quality=75)
    out = {
        "baseline_420.jpg": jpeg,
        "q95_444.jpg": saved(base, "JPEG", quality=95, subsampling="4:4:4"),
        "progressive.jpg": saved(base, "JPEG", quality=80, progressive=True),
        "grey.jpg": saved(picture(40, 30, "L"), "JPEG"),
        "cmyk.jpg": saved(picture(40, 30, "CMYK"), "JPEG"),
        "exif_orientation6.jpg": saved(base, "JPEG", exif=exif.tobytes()),
        "cut.jpg": jpeg[: len(jpeg) // 2],
        "bomb_65535.jpg": jpeg_bomb(jpeg),
        "bomb_100000.png": png_bomb(),
        "exif_orientation6.png": saved(base, "PNG", exif=exif.tobytes()),
        "animated.png": animated("PNG"),
        "still.gif": saved(base.convert("P"), "GIF"),
        "animated.gif": animated("GIF"),
        "lossy.webp": saved(base, "WEBP", quality=60),
        "lossless.webp": saved(base, "WEBP", lossless=True),
        "alpha.webp": saved(picture(40, 30, "RGBA"), "WEBP", quality=60),
        "animated.webp": animated("WEBP", quality=50),
        "exif_orientation6.webp": saved(base, "WEBP", exif=exif.tobytes()),
        "rgb24.bmp": saved(base, "BMP"),
        "palette.bmp": saved(base.convert("P"), "BMP"),
        "side1.png": saved(picture(1, 1), "PNG"),
        "side4.png": saved(picture(4, 4), "PNG"),
        "side5.jpg": saved(picture(5, 5), "JPEG"),
        "side64.png": saved(picture(64, 64), "PNG"),
        "heic_header.heic": b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 16,
        "tiff_header.tif": b"II*\0\x08\0\0\0" + b"\0" * 16,
    }
    for mode in ("1", "L", "LA", "P", "RGBA"):
        out[f"mode_{mode}.png"] = saved(picture(24, 20, mode), "PNG")
    out["mode_I16.png"] = saved(picture(24, 20, "I").point(lambda v: v * 257).convert("I;16"), "PNG")
    return out


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name, data in seeds().items():
        (out / name).write_bytes(data)
    print(f"{len(seeds())} seeds in {out}")


if __name__ == "__main__":
    main()
