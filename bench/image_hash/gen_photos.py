"""Writes a fixed set of phone-size JPEG photos for the hashing benchmark (bench/image_hash/run.sh).

    python gen_photos.py SOURCE_DIR OUT_DIR

Each photo is made deterministically (fixed seeds) from the real photos under SOURCE_DIR
(ThreatExchange's test images, read only): one of them, resampled to cover the frame and
cropped, with three to five others pasted over it at random sizes, angles and places,
semi-transparent shapes, and Gaussian noise of a phone sensor's strength so that the JPEG
carries fine detail as camera files do. Saved as Pillow's JPEG at quality 90 (4:2:0) with a
small EXIF block (maker, model, and Orientation 6 on some 12 MP files: a portrait photo stored
sideways, as phones write them).

Set: 6 photos of 12 MP (4032x3024, two of them Orientation 6) and 10 of 2 MP (1920x1080,
half of them portrait 1080x1920). Files are written to OUT_DIR, never into the repository.
"""

import pathlib
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

# (name, width, height, EXIF orientation, seed)
PHOTOS = [(f"phone12mp-{i}.jpg", 4032, 3024, 6 if i in (1, 4) else 1, 100 + i) for i in range(6)] + [
    (f"phone2mp-{i}.jpg", 1920, 1080, 1, 200 + i) if i % 2 == 0 else (f"phone2mp-{i}.jpg", 1080, 1920, 1, 200 + i)
    for i in range(10)
]
SENSOR_NOISE_SIGMA = 3.0
QUALITY = 90


def sources(root: pathlib.Path) -> list[Image.Image]:
    """The real photos to build from: every RGB JPEG or PNG of at least 256 pixels a side."""
    found = []
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() not in (".jpg", ".jpeg", ".png"):
            continue
        with Image.open(path) as im:
            if min(im.size) >= 256:
                found.append(im.convert("RGB"))
    if len(found) < 4:
        sys.exit(f"gen_photos: too few source photos under {root}")
    return found


def cover(im: Image.Image, w: int, h: int, rng: np.random.Generator) -> Image.Image:
    """`im` scaled to cover w x h, cropped at a random place, mirrored half the time."""
    scale = max(w / im.width, h / im.height) * rng.uniform(1.0, 1.4)
    big = im.resize((max(w, round(im.width * scale)), max(h, round(im.height * scale))), Image.BICUBIC)
    x = int(rng.integers(0, big.width - w + 1))
    y = int(rng.integers(0, big.height - h + 1))
    out = big.crop((x, y, x + w, y + h))
    return out.transpose(Image.FLIP_LEFT_RIGHT) if rng.random() < 0.5 else out


def make(pool: list[Image.Image], w: int, h: int, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    picks = rng.permutation(len(pool))
    canvas = cover(pool[picks[0]], w, h, rng)
    for k in picks[1 : 1 + int(rng.integers(3, 6))]:
        inset = pool[k]
        side = rng.uniform(0.2, 0.5) * min(w, h)
        scale = side / min(inset.size)
        inset = inset.resize((round(inset.width * scale), round(inset.height * scale)), Image.BICUBIC)
        inset = inset.convert("RGBA").rotate(float(rng.uniform(-25, 25)), Image.BICUBIC, expand=True)
        x = int(rng.integers(-inset.width // 4, w - inset.width * 3 // 4))
        y = int(rng.integers(-inset.height // 4, h - inset.height * 3 // 4))
        canvas.paste(inset, (x, y), inset)
    shapes = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(shapes)
    for _ in range(int(rng.integers(4, 9))):
        colour = tuple(int(c) for c in rng.integers(0, 256, 3)) + (int(rng.integers(40, 120)),)
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        r = rng.uniform(0.03, 0.15) * min(w, h)
        if rng.random() < 0.5:
            draw.ellipse((cx - r, cy - r * rng.uniform(0.5, 1.5), cx + r, cy + r), fill=colour)
        else:
            angles = np.sort(rng.uniform(0, 2 * np.pi, int(rng.integers(3, 7))))
            draw.polygon([(cx + r * np.cos(a), cy + r * np.sin(a)) for a in angles], fill=colour)
    shapes = shapes.filter(ImageFilter.GaussianBlur(2))
    canvas = Image.alpha_composite(canvas.convert("RGBA"), shapes).convert("RGB")
    pixels = np.asarray(canvas, dtype=np.float32)
    pixels += rng.normal(0.0, SENSOR_NOISE_SIGMA, pixels.shape).astype(np.float32)
    return Image.fromarray(np.clip(pixels + 0.5, 0, 255).astype(np.uint8), "RGB")


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    pool = sources(pathlib.Path(sys.argv[1]))
    out = pathlib.Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    for name, w, h, orientation, seed in PHOTOS:
        photo = make(pool, w, h, seed)
        exif = Image.Exif()
        exif[0x010F] = "Lachan bench"  # Make
        exif[0x0110] = "generated phone photo"  # Model
        exif[0x0112] = orientation
        photo.save(out / name, "JPEG", quality=QUALITY, subsampling="4:2:0", exif=exif.tobytes())
        print(f"{name}: {w}x{h}, orientation {orientation}, {(out / name).stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
