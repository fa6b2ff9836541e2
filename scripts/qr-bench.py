#!/usr/bin/env python3
"""Decode rates on the degraded-image corpus: greenlane's reader next to zxing-cpp 3.1.1, same images, same run.

    python3 scripts/qr-bench.py CORPUS_DIR LIBGREENLANE_SCANNER_SO [--markdown]

greenlane is called through libgreenlane-scanner.so's gl_scan_read, the very function `greenlane verify
--image` calls (GreenlaneScanner only wraps it). zxing-cpp 3.1.1 (PyPI) reads each file with its default
options, as the comparison only: it is never greenlane's reader. An image counts as read when one of the
decoded texts is the pass code it was made from. Exits 1 when, on any condition, greenlane reads fewer than
zxing-cpp less 3 percentage points (issue 14, item 2).
"""
import ctypes
import json
import os
import sys
import time

from PIL import Image
import zxingcpp

ALLOWANCE = 3.0  # percentage points


def greenlane_reader(library_path):
    library = ctypes.CDLL(os.path.abspath(library_path))
    read = library.gl_scan_read
    read.restype = ctypes.c_int32
    read.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int32, ctypes.c_int64, ctypes.c_int64,
                     ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t]
    out = ctypes.create_string_buffer(1 << 20)
    message = ctypes.create_string_buffer(512)

    def texts(data):
        count = read(data, len(data), 0, 0, 0, out, len(out), message, len(message))
        found, offset, raw = [], 0, out.raw
        for _ in range(max(count, 0)):
            length = int.from_bytes(raw[offset:offset + 4], "little")
            found.append(raw[offset + 4:offset + 4 + length].decode("utf-8", "replace"))
            offset += 4 + length
        return found

    return texts


def zxing_texts(path):
    with Image.open(path) as image:
        return [result.text for result in zxingcpp.read_barcodes(image)]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    corpus, library = sys.argv[1], sys.argv[2]
    markdown = "--markdown" in sys.argv
    with open(os.path.join(corpus, "manifest.json")) as f:
        manifest = json.load(f)
    greenlane = greenlane_reader(library)
    rows = {}
    for item in manifest:
        path = os.path.join(corpus, item["file"])
        with open(path, "rb") as f:
            data = f.read()
        row = rows.setdefault(item["condition"], {"n": 0, "greenlane": 0, "zxing": 0, "seconds": 0.0})
        row["n"] += 1
        start = time.perf_counter()
        if item["code"] in greenlane(data):
            row["greenlane"] += 1
        row["seconds"] += time.perf_counter() - start
        if item["code"] in zxing_texts(path):
            row["zxing"] += 1
    failed = []
    version = getattr(zxingcpp, "__version__", "3.1.1")
    if markdown:
        print(f"| condition | images | zxing-cpp {version} | greenlane | greenlane ms/image | verdict |")
        print("|---|---:|---:|---:|---:|---|")
    else:
        print(f"{'condition':<18} {'images':>6} {'zxing-cpp ' + version:>16} {'greenlane':>10} {'ms/img':>7}  verdict")
    for condition, row in rows.items():
        zx, gl = 100.0 * row["zxing"] / row["n"], 100.0 * row["greenlane"] / row["n"]
        ok = gl >= zx - ALLOWANCE
        if not ok:
            failed.append(condition)
        verdict = "ok" if ok else "BELOW"
        ms = 1000 * row["seconds"] / row["n"]
        if markdown:
            print(f"| {condition} | {row['n']} | {row['zxing']} ({zx:.0f}%) | {row['greenlane']} ({gl:.0f}%) | "
                  f"{ms:.0f} | {verdict} |")
        else:
            print(f"{condition:<18} {row['n']:>6} {row['zxing']:>7} ({zx:5.1f}%) {row['greenlane']:>3} ({gl:5.1f}%) "
                  f"{ms:>7.0f}  {verdict}")
    if failed:
        print(f"qr-bench: greenlane reads more than {ALLOWANCE:g} points fewer than zxing-cpp on: {', '.join(failed)}")
        sys.exit(1)
    print(f"qr-bench: every condition within {ALLOWANCE:g} points of zxing-cpp {version} or better")


if __name__ == "__main__":
    main()
