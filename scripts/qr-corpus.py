#!/usr/bin/env python3
"""Degraded-image corpus for greenlane's QR reader (issue 14), from issued passes.

    python3 scripts/qr-corpus.py PASSES_DIR OUT_DIR [--per-condition 60] [--seed 14]

PASSES_DIR holds what `greenlane-office issue --out` writes (SERIAL.txt, SERIAL.png, SERIAL.svg,
SERIAL.card.svg). OUT_DIR/<condition>/NNN.png|jpg are written with OUT_DIR/manifest.json listing each image,
its condition and the pass code it must decode to. The same seed gives the same corpus. Needs numpy, Pillow,
opencv-python-headless (PyPI) and rsvg-convert (Debian librsvg2-bin). scripts/qr-bench.sh runs it.

Conditions (the table of issue 14, plus rotations):
  perspective-80     top edge 80% of the bottom edge; from the issued PNG (8 px a module)
  perspective-50     top edge 50% of the bottom edge
  side-view          seen from the side: left edge 55% of the right, width foreshortened to 60%
  blur-half-module   Gaussian blur, sigma half a module (4 px: the issued PNG's 8 px a module)
  noise-50 / -80     Gaussian noise, sigma 50 / 80 grey levels, 8 px a module
  modules-1.5px      1.5 px a module (area resampling)
  modules-1px        1 px a module
  inverted           light modules on a dark ground
  rotated-5-45       turned by 5 to 45 degrees, either way
  card-flat          phone photo (JPEG) of the printed card, QR at 3 px a module, square on
  card-slight-tilt   the same, turned 3-8 degrees with mild perspective
  card-tilted        the same, turned 10-25 degrees with strong perspective
  svg-own-size       bare SERIAL.svg rasterised by rsvg-convert at its own size
"""
import argparse
import io
import json
import os
import subprocess
import sys

import cv2
import numpy as np
from PIL import Image

CONDITIONS = [
    "perspective-80", "perspective-50", "side-view", "blur-half-module", "noise-50", "noise-80",
    "modules-1.5px", "modules-1px", "inverted", "rotated-5-45", "card-flat", "card-slight-tilt", "card-tilted",
    "svg-own-size",
]


def load_passes(folder):
    passes = []
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".txt"):
            continue
        stem = os.path.join(folder, name[:-4])
        with open(stem + ".txt") as f:
            code = f.read().strip()
        png = np.array(Image.open(stem + ".png").convert("L"))
        passes.append({"stem": stem, "code": code, "png": png})
    if not passes:
        sys.exit(f"qr-corpus: no issued passes (SERIAL.txt) in {folder}")
    return passes


def modules_of(png):
    """greenlane's PNGs are 8 px a module with a 4-module quiet zone: the side in modules, quiet zone included."""
    return png.shape[1] // 8


def at_scale(png, px_per_module):
    side = round(modules_of(png) * px_per_module)
    interpolation = cv2.INTER_AREA if px_per_module < 8 else cv2.INTER_NEAREST
    return cv2.resize(png, (side, side), interpolation=interpolation)


def on_canvas(image, rng, margin=None, fill=255):
    """The symbol placed at a random offset on a larger canvas, as in a screenshot or scan."""
    h, w = image.shape[:2]
    margin = margin if margin is not None else int(rng.integers(10, 60))
    canvas = np.full((h + 2 * margin + 20, w + 2 * margin + 20), fill, np.uint8)
    x, y = int(rng.integers(margin, margin + 20)), int(rng.integers(margin, margin + 20))
    canvas[y:y + h, x:x + w] = image
    return canvas


def warp(image, dst, size, fill=255):
    h, w = image.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    matrix = cv2.getPerspectiveTransform(src, np.float32(dst))
    return cv2.warpPerspective(image, matrix, size, flags=cv2.INTER_LINEAR, borderValue=fill)


def perspective_top(png, rng, ratio):
    image = png
    h, w = image.shape
    pad = 40
    inset = w * (1 - ratio) / 2
    height = h * float(rng.uniform(0.85, 1.0))
    dst = [[pad + inset, pad], [pad + w - inset, pad], [pad + w, pad + height], [pad, pad + height]]
    return warp(image, dst, (w + 2 * pad, int(height) + 2 * pad))


def side_view(png, rng):
    image = png
    h, w = image.shape
    pad = 40
    width = w * 0.6
    inset = h * (1 - 0.55) / 2
    flip = rng.random() < 0.5
    left = [[pad, pad + inset], [pad, pad + h - inset]]
    right = [[pad + width, pad], [pad + width, pad + h]]
    if flip:  # the near edge on the left instead
        left, right = [[pad, pad], [pad, pad + h]], [[pad + width, pad + inset], [pad + width, pad + h - inset]]
    dst = [left[0], right[0], right[1], left[1]]
    return warp(image, dst, (int(width) + 2 * pad, h + 2 * pad))


def blurred(png, rng):
    image = on_canvas(png, rng)
    return cv2.GaussianBlur(image, (0, 0), sigmaX=4.0)


def noisy(png, rng, sigma):
    image = on_canvas(png, rng).astype(np.float32)
    image += rng.normal(0, sigma, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def small(png, rng, px):
    return on_canvas(at_scale(png, px), rng, margin=int(rng.integers(4, 16)))


def inverted(png, rng):
    return 255 - on_canvas(png, rng)


def rotated(png, rng):
    image = on_canvas(png, rng, margin=80)
    angle = float(rng.uniform(5, 45)) * (1 if rng.random() < 0.5 else -1)
    h, w = image.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


def card_photo(entry, rng, tilt, scratch):
    """A phone photo of the printed card: QR at 3 px a module, on a table, uneven light, lens blur, sensor noise,
    JPEG; some photos stored sideways with an EXIF orientation tag, as phones do."""
    modules = modules_of(entry["png"])
    width = round(105 * 3 * modules / 52)  # the card is 105 mm wide, the QR 52 mm with its quiet zone
    card_png = os.path.join(scratch, os.path.basename(entry["stem"]) + f".card-{width}.png")
    if not os.path.exists(card_png):
        subprocess.run(["rsvg-convert", "-w", str(width), "-b", "white", "-o", card_png, entry["stem"] + ".card.svg"],
                       check=True)
    card = np.array(Image.open(card_png).convert("RGB"))
    card = (card.astype(np.float32) * np.array([0.97, 0.95, 0.90])).astype(np.uint8)  # paper tone
    h, w = card.shape[:2]
    out_w, out_h = int(w * 1.3), int(h * 1.2)
    background = np.empty((out_h, out_w, 3), np.uint8)
    background[:] = rng.integers(60, 160, 3)
    background = np.clip(background + rng.normal(0, 12, background.shape), 0, 255).astype(np.uint8)
    cx, cy = out_w / 2 + rng.uniform(-10, 10), out_h / 2 + rng.uniform(-10, 10)
    if tilt == "flat":
        angle, squeeze = rng.uniform(-1, 1), 1.0
    elif tilt == "slight":
        angle, squeeze = rng.uniform(3, 8) * rng.choice([-1, 1]), rng.uniform(0.88, 0.95)
    else:
        angle, squeeze = rng.uniform(10, 25) * rng.choice([-1, 1]), rng.uniform(0.72, 0.82)
    # The far edge shorter than the near one, then the whole card turned.
    corners = np.float32([[-w / 2 * squeeze, -h / 2], [w / 2 * squeeze, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]])
    theta = np.deg2rad(angle)
    turn = np.float32([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    scale = min(out_w / (w * 1.25), out_h / (h * 1.15), 1.0)
    dst = corners @ turn.T * scale + np.float32([cx, cy])
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    matrix = cv2.getPerspectiveTransform(src, dst)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), matrix, (out_w, out_h))
    warped = cv2.warpPerspective(card, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR)
    photo = np.where(mask[..., None] > 127, warped, background).astype(np.float32)
    # Light falling off across the frame, a soft lens, sensor noise.
    gx = np.linspace(rng.uniform(0.65, 0.85), rng.uniform(0.95, 1.1), out_w, dtype=np.float32)
    gy = np.linspace(rng.uniform(0.85, 1.0), rng.uniform(0.9, 1.05), out_h, dtype=np.float32)
    photo *= (gy[:, None] * gx[None, :])[..., None]
    photo = cv2.GaussianBlur(photo, (0, 0), sigmaX=float(rng.uniform(0.5, 0.8)))
    photo += rng.normal(0, 5, photo.shape)
    image = Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8), "RGB")
    exif = Image.Exif()
    if rng.random() < 0.5:  # stored sideways: the viewer turns it back by the tag
        image = image.transpose(Image.Transpose.ROTATE_90)
        exif[0x0112] = 6
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=int(rng.integers(75, 92)), exif=exif.tobytes())
    return buffer.getvalue()


def svg_own_size(entry, scratch, index):
    out = os.path.join(scratch, f"svg-{index:03d}.png")
    subprocess.run(["rsvg-convert", "-b", "white", "-o", out, entry["stem"] + ".svg"], check=True)
    return np.array(Image.open(out).convert("L"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("passes")
    parser.add_argument("out")
    parser.add_argument("--per-condition", type=int, default=60)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--conditions", default=",".join(CONDITIONS))
    args = parser.parse_args()
    passes = load_passes(args.passes)
    scratch = os.path.join(args.out, ".scratch")
    os.makedirs(scratch, exist_ok=True)
    manifest = []
    for condition in args.conditions.split(","):
        if condition not in CONDITIONS:
            sys.exit(f"qr-corpus: unknown condition {condition}")
        # One generator per condition: adding or dropping a condition leaves the others' images alone.
        rng = np.random.default_rng([args.seed, CONDITIONS.index(condition)])
        folder = os.path.join(args.out, condition)
        os.makedirs(folder, exist_ok=True)
        for index in range(args.per_condition):
            entry = passes[index % len(passes)]
            png = entry["png"]
            data, extension = None, "png"
            if condition == "perspective-80":
                image = perspective_top(png, rng, 0.8)
            elif condition == "perspective-50":
                image = perspective_top(png, rng, 0.5)
            elif condition == "side-view":
                image = side_view(png, rng)
            elif condition == "blur-half-module":
                image = blurred(png, rng)
            elif condition == "noise-50":
                image = noisy(png, rng, 50)
            elif condition == "noise-80":
                image = noisy(png, rng, 80)
            elif condition == "modules-1.5px":
                image = small(png, rng, 1.5)
            elif condition == "modules-1px":
                image = small(png, rng, 1)
            elif condition == "inverted":
                image = inverted(png, rng)
            elif condition == "rotated-5-45":
                image = rotated(png, rng)
            elif condition.startswith("card-"):
                tilt = {"card-flat": "flat", "card-slight-tilt": "slight", "card-tilted": "tilted"}[condition]
                data, extension = card_photo(entry, rng, tilt, scratch), "jpg"
            else:
                image = svg_own_size(entry, scratch, index)
            path = os.path.join(folder, f"{index:03d}.{extension}")
            if data is None:
                Image.fromarray(image, "L").save(path, "PNG")
            else:
                with open(path, "wb") as f:
                    f.write(data)
            manifest.append({"condition": condition, "file": os.path.relpath(path, args.out), "code": entry["code"]})
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print(f"qr-corpus: {len(manifest)} images, {args.per_condition} per condition, seed {args.seed}, in {args.out}")


if __name__ == "__main__":
    main()
