#!/usr/bin/env python3
"""Independent verifier for Samples/codes: python-cwt, cbor2, base45 and zlib against greenlane's samples.

For every sample whose signature is genuine (expected checks empty or only time, zone, window or revocation
failures) it decodes the code in python, verifies the COSE_Sign1 signature with python-cwt given only the demo
public key PEM whose kid (sha256(SPKI DER)[:8], computed here) is in the protected header, checks the CWT
claims against docs/FORMAT.md, and recomputes the checkpoint's time/zone/window/revocation verdict, which
must equal expected.json's. For the samples that must fail the signature (bad-signature, unknown-kid,
alg-mismatch, alg-hmac) it asserts that python refuses them too. For the non-canonical samples it asserts, from
docs/FORMAT.md §1.5 alone, that the code is non-canonical in exactly the way expected (high-S ECDSA, Ed25519
S >= L, zlib on a code that fits QR version 10-M) and reports what python-cwt says of the signature; every genuine
sample must be canonical. Malformed samples are out of scope (skipped).

With --greenlane PATH it also runs `greenlane verify --json` on each genuine sample and asserts that both
decoders read the same claims.

Exit 0 only if every assertion holds; 3 if a python package is missing.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import glinterop as gl  # noqa: E402

CHECKPOINT_CHECKS = {"expired", "not-yet-valid", "wrong-zone", "outside-time-window", "revoked"}
SIGNATURE_CHECKS = {"bad-signature", "unknown-kid", "algorithm-mismatch", "algorithm-not-allowed"}
CANONICAL_CHECKS = {"non-canonical-signature", "non-canonical-compression"}
COMPARED_FIELDS = ["serial", "issuer", "firm", "plate", "vehicleClass", "driverName", "driverID", "purpose",
                   "station", "window"]


def greenlane_json(binary, code, sample, expected):
    arguments = [binary, "verify", code, "--trust", str(gl.ROOT / expected["trust"]), "--at", sample["at"], "--json"]
    if sample.get("zone"):
        arguments += ["--zone", sample["zone"]]
    if sample.get("revocations"):
        arguments += ["--revocations", str(gl.ROOT / expected["revocations"])]
    if sample.get("training"):
        arguments.append("--training")
    result = subprocess.run(arguments, capture_output=True, text=True, cwd=gl.ROOT)
    return result.returncode, json.loads(result.stdout)


def compare_with_greenlane(claims, theirs):
    differences = []
    mine = dict(claims)
    for field in COMPARED_FIELDS:
        if mine[field] != theirs.get(field):
            differences.append(f"{field}: python {mine[field]!r} greenlane {theirs.get(field)!r}")
    for field in ("issuedAt", "notBefore", "expiresAt"):
        if gl.unix_time(theirs[field]) != mine[field]:
            differences.append(f"{field}: python {mine[field]} greenlane {theirs[field]}")
    zones = theirs.get("zones")
    zones = gl.DISTRICTS if zones == ["all"] else zones
    if sorted(zones or []) != sorted(mine["zones"]):
        differences.append(f"zones: python {mine['zones']} greenlane {zones}")
    return differences


def check_genuine(sample, code, keys, revoked, expected, binary):
    cose, compressed = gl.unwrap(code)
    key, protected, payload = gl.verify_signature(cose, keys)
    problems = []
    if gl.non_canonical(code):
        problems.append(f"not canonical: {gl.non_canonical(code)}")
    if not gl.is_deterministic(cose):
        problems.append("COSE_Sign1 is not deterministic CBOR")
    claims = gl.decode_claims(payload)
    if claims["issuer"] != "VN-HN":
        problems.append(f"iss {claims['issuer']!r}")
    if not claims["serial"].startswith("HN-"):
        problems.append(f"cti {claims['serial']!r} is not an HN- serial")
    verdict = gl.checkpoint_failures(claims, gl.unix_time(sample["at"]), sample.get("zone"), revoked)
    if set(verdict) != set(sample["checks"]):
        problems.append(f"checkpoint verdict {verdict}, expected {sample['checks']}")
    if (not verdict) != sample["accepted"]:
        problems.append(f"python {'accepts' if not verdict else 'rejects'}, expected accepted={sample['accepted']}")
    detail = (f"signature valid ({gl.ALG_NAMES[key.alg]}, kid {key.kid.hex()}{', zlib' if compressed else ''}), "
              f"cti {claims['serial']}, plate {claims['plate']}, verdict {verdict or 'accepted'}")
    if binary:
        status, theirs = greenlane_json(binary, code, sample, expected)
        if status != sample["exit"]:
            problems.append(f"greenlane exit {status}, expected {sample['exit']}")
        pass_fields = theirs.get("pass")
        if pass_fields is None:
            problems.append("greenlane --json has no pass object")
        else:
            problems += compare_with_greenlane(claims, pass_fields)
        if sorted(f["check"] for f in theirs.get("failures", [])) != sorted(verdict):
            problems.append(f"greenlane failures {[f['check'] for f in theirs.get('failures', [])]}, python {verdict}")
        detail += "; greenlane --json agrees" if not problems else ""
    return problems, detail


def check_refused(sample, code, keys):
    cose, _ = gl.unwrap(code)
    try:
        key, _, _ = gl.verify_signature(cose, keys)
    except gl.Refused as refusal:
        return [], f"refused: {refusal}"
    return [f"python ACCEPTS the signature (key {key!r}) but greenlane expects {sample['checks']}"], "accepted"


def check_non_canonical(sample, code, keys):
    reasons = gl.non_canonical(code)
    expected = set(sample["checks"]) & CANONICAL_CHECKS
    problems = [] if set(reasons) == expected else [f"python finds {reasons}, expected {sorted(expected)}"]
    cose, _ = gl.unwrap(code)
    try:
        gl.verify_signature(cose, keys)
        verdict = "python-cwt accepts the signature"
    except gl.Refused as refusal:
        verdict = f"python refuses the signature ({refusal})"
    if ("bad-signature" in sample["checks"]) != verdict.startswith("python refuses"):
        problems.append(f"{verdict}, but greenlane expects {sample['checks']}")
    return problems, f"{', '.join(reasons)}; {verdict}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--greenlane", help="path of the greenlane binary, to compare its --json output")
    args = parser.parse_args()

    expected = gl.load_expected()
    keys = gl.demo_public_keys()
    print(f"keys: {', '.join(repr(k) for k in keys.values())}")
    revoked = gl.load_revocations(gl.ROOT / expected["revocations"], keys)
    print(f"revocation list: signature valid, {len(revoked)} entr{'y' if len(revoked) == 1 else 'ies'}")

    passed = failed = skipped = 0
    for sample in expected["cases"]:
        name, checks = sample["name"], set(sample["checks"])
        if any(key in sample for key in ("trusts", "lists", "setupError")):
            skipped += 1
            print(f"SKIP {name}: the checkpoint's own data (trust files, lists, state) are greenlane's to judge")
            continue
        code = (gl.ROOT / "Samples/codes" / f"{name}.txt").read_text()
        if checks <= CHECKPOINT_CHECKS:
            kind, run = "genuine", lambda: check_genuine(sample, code, keys, revoked, expected, args.greenlane)
        elif checks & CANONICAL_CHECKS:
            kind, run = "non-canonical", lambda: check_non_canonical(sample, code, keys)
        elif checks & SIGNATURE_CHECKS:
            kind, run = "refused", lambda: check_refused(sample, code, keys)
        else:
            skipped += 1
            print(f"SKIP {name}: {sorted(checks)} is out of scope (malformed input)")
            continue
        try:
            problems, detail = run()
        except (gl.Refused, gl.Malformed) as error:
            problems, detail = [f"{type(error).__name__}: {error}"], ""
        except Exception as error:  # a crash in python's libraries is a failure too, not a skip
            problems, detail = [f"unexpected {type(error).__name__}: {error}"], ""
        if problems:
            failed += 1
            print(f"FAIL {name} ({kind}): {'; '.join(problems)}")
        else:
            passed += 1
            print(f"ok   {name} ({kind}): {detail}")
    print(f"{passed} passed, {failed} failed")
    if passed == 0:
        print("nothing was checked", file=sys.stderr)
        return 1
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
