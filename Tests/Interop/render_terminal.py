#!/usr/bin/env python3
"""Runs `greenlane verify` on a pseudo-terminal and renders what it prints with the pyte terminal emulator.

Reads a JSON list of cases (from the file named by the first argument); for each it checks what the officer
would see on an 100x60 screen:
  - the first line with text is the verdict banner (`banner`), coloured `colour` across the whole width
    (pyte's names: green, red, brown for amber), or with no colour at all when `colour` is null;
  - every string of `inside` appears only on lines between a line starting with `block_start` and the next
    line starting with `block_end`: the code's text stays in its block;
  - no string of `never` appears anywhere on the screen;
  - no cell outside the banner has a background colour: nothing from the code switched colours on.
Prints one line per case and exits 1 if any failed, 3 if pyte is missing.
"""
import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios

try:
    import pyte
except ImportError as error:
    print(f"missing python package: {error.name} (pip install pyte)", file=sys.stderr)
    sys.exit(3)

COLUMNS, ROWS = 100, 60


def render(arguments, environment):
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    env = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "COLUMNS")}
    env.update({"TERM": "xterm-256color", "LANG": "C.UTF-8"})
    env.update(environment)
    process = subprocess.Popen(arguments, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    output = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO once the child has closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(master)
    status = process.wait()
    screen = pyte.Screen(COLUMNS, ROWS)
    # A terminal turns \n into \r\n (onlcr); pyte is given the bytes as a terminal receives them.
    pyte.ByteStream(screen).feed(output.replace(b"\n", b"\r\n"))
    return status, screen


def check(case):
    status, screen = render(case["args"], case.get("env", {}))
    lines = [line.rstrip() for line in screen.display]
    problems = []
    if status != case["exit"]:
        problems.append(f"exit {status}, expected {case['exit']}")
    texted = [index for index, line in enumerate(lines) if line.strip()]
    if not texted:
        return problems + ["nothing on the screen"], lines
    first = texted[0]
    if lines[first].strip() != case["banner"].strip():
        problems.append(f"first line is {lines[first].strip()!r}, expected {case['banner'].strip()!r}")
    banner_rows = set()
    if case.get("colour"):
        for row in range(max(0, first - 1), first + 2):
            colours = {screen.buffer[row][column].bg for column in range(COLUMNS)}
            if colours != {case["colour"]}:
                problems.append(f"banner row {row} is not {case['colour']} across the screen: {sorted(colours)}")
            banner_rows.add(row)
    for row in range(ROWS):
        if row in banner_rows:
            continue
        coloured = {screen.buffer[row][column].bg for column in range(COLUMNS)} - {"default"}
        if coloured:
            problems.append(f"row {row} has background {sorted(coloured)}: {lines[row]!r}")
    start = next((i for i, line in enumerate(lines) if case.get("block_start") and line.startswith(case["block_start"])), None)
    end = next((i for i, line in enumerate(lines) if start is not None and i > start
                and line.startswith(case.get("block_end", "\0"))), None)
    for text in case.get("inside", []):
        rows = [i for i, line in enumerate(lines) if text in line]
        if not rows:
            problems.append(f"{text!r} is not on the screen")
        for row in rows:
            if start is None or end is None or not start < row < end:
                problems.append(f"{text!r} outside its block, on row {row}: {lines[row]!r}")
    for text in case.get("never", []):
        for row, line in enumerate(lines):
            if text in line:
                problems.append(f"{text!r} on row {row}: {line!r}")
    return problems, lines


def main():
    cases = json.load(open(sys.argv[1], encoding="utf-8"))
    failed = 0
    for case in cases:
        problems, lines = check(case)
        if problems:
            failed += 1
            print(f"FAIL {case['name']}: " + "; ".join(problems))
            print("\n".join("     | " + line for line in lines if line))
        else:
            print(f"ok   {case['name']}")
    print(f"{len(cases) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
