#!/usr/bin/env python3
"""Drives `greenlane verify` as a USB scanner would: three codes, one second apart, each followed by Enter,
through a pseudo-terminal or a pipe. Fails unless each verdict appears within 300 ms of its Enter.

    scanner_timing.py BINARY pty|pipe [--json]

Prints one line per code with the delay measured. Run by ScannerModeTests and scripts/package-test.sh.
"""
import os
import select
import subprocess
import sys
import tempfile
import time

LIMIT = 0.300
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    binary, mode = sys.argv[1], sys.argv[2]
    as_json = "--json" in sys.argv[3:]
    code = open(os.path.join(root, "Samples/codes/valid-es256.txt")).read().strip()
    args = [binary, "verify", "--trust", os.path.join(root, "Keys/demo-trust.json"),
            "--at", "2021-07-26T10:00:00+07:00", "--zone", "dong-da", "--lang", "en",
            "--training", "--waive-revocations"]  # a demo-signed sample, no list: training, list waived
    if as_json:
        args.append("--json")
    marker = b'"accepted":true' if as_json else "VALID — MAY PASS".encode()
    env = dict(os.environ, LANG="C.UTF-8", GREENLANE_HOME=tempfile.mkdtemp(prefix="greenlane-home-"))

    if mode == "pty":
        master, slave = os.openpty()
        process = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
        os.close(slave)
        write_fd, verdict_fd, fds = master, master, [master]
    else:
        process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   env=env)
        write_fd, verdict_fd = process.stdin.fileno(), process.stdout.fileno()
        fds = [verdict_fd, process.stderr.fileno()]
    output = {fd: b"" for fd in fds}
    open_fds = list(fds)

    def read_until(deadline, enough=lambda: False):
        """Reads what arrives until `enough()` or the deadline; returns the time `enough()` became true."""
        while open_fds:
            if enough():
                return time.monotonic()
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select(open_fds, [], [], left)
            for fd in ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # the terminal's other side has closed
                    chunk = b""
                if chunk:
                    output[fd] += chunk
                else:
                    open_fds.remove(fd)
        return time.monotonic() if enough() else None

    failures = []
    read_until(time.monotonic() + 1.0)  # starts, loads the trust file, prompts
    for n in range(1, 4):
        os.write(write_fd, code.encode() + b"\n")
        sent = time.monotonic()
        arrived = read_until(sent + 1.0, lambda: output[verdict_fd].count(marker) >= n)
        delay = None if arrived is None else arrived - sent
        print(f"{mode}{' --json' if as_json else ''}: code {n} answered in "
              + ("never (1 s)" if delay is None else f"{delay * 1000:.0f} ms"))
        if delay is None or delay > LIMIT:
            failures.append(f"code {n} late")
        read_until(sent + 1.0)  # one second apart, reading meanwhile
    if mode == "pty":
        os.write(write_fd, b"\x04")  # Ctrl-D: end of input
    else:
        process.stdin.close()
    read_until(time.monotonic() + 5.0)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        failures.append("did not exit at end of input")
    text = b"".join(output.values()).decode("utf-8", "replace")
    if mode == "pty" and "checked 3: 3 valid" not in text:
        failures.append("no running count on the terminal")
    if mode == "pipe" and "code>" in output[verdict_fd].decode("utf-8", "replace"):
        failures.append("a prompt on standard output of a pipe")
    if process.returncode != 0:
        failures.append(f"exit status {process.returncode}")
    if failures:
        print(f"FAILED: {', '.join(failures)}\n--- output ---\n{text}")
        sys.exit(1)


if __name__ == "__main__":
    main()
