#!/usr/bin/python3
"""Compare a host-side picture of a umdev display with the guest's test pattern.

    display-compare.py exact PICTURE.png W H     every pixel must be the pattern's
    display-compare.py near PICTURE.jpg W H      the same, allowing JPEG's small errors

The pattern is the one tests/vm/guest/init paints (display_pattern): an 8x8 grid of solid
blocks; block (i, j) has red 32i+16, green 32j+16, blue 255-32((i+j)%8). "near" is for
vncsnapshot, whose only output is JPEG: each block's inner part (4 pixels off its edges,
where JPEG's colour subsampling smears) must be within 6 of the pattern on every channel.
Prints one line and exits 0 on a match.
"""
import sys

from PIL import Image


def colour(x, y, w, h):
    i, j = x * 8 // w, y * 8 // h
    return (32 * i + 16, 32 * j + 16, 255 - 32 * ((i + j) % 8))


def main():
    mode, path, w, h = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    img = Image.open(path).convert("RGB")
    if img.size != (w, h):
        print(f"{path}: {img.size[0]}x{img.size[1]}, want {w}x{h}")
        return 1
    px = img.load()
    bad, worst, checked = 0, 0, 0
    for y in range(h):
        for x in range(w):
            if mode == "near":
                bx, by = x % (w // 8), y % (h // 8)
                if min(bx, by) < 4 or bx >= w // 8 - 4 or by >= h // 8 - 4:
                    continue
            want, got = colour(x, y, w, h), px[x, y]
            diff = max(abs(a - b) for a, b in zip(want, got))
            checked += 1
            worst = max(worst, diff)
            if diff > (6 if mode == "near" else 0):
                if bad < 3:
                    print(f"{path}: pixel {x},{y} is {got}, want {want}")
                bad += 1
    if bad:
        print(f"{path}: {bad} of {checked} pixels differ from the pattern (largest error {worst})")
        return 1
    print(f"{path}: {w}x{h}, all {checked} pixels checked match the pattern"
          + (f" (largest error {worst})" if mode == "near" else " exactly"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
