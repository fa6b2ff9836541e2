#!/usr/bin/env python3
"""Issues greenlane passes with python-cwt instead of greenlane: the other direction of the interop test.

Builds the CWT claims in greenlane's exact layout (integer keys; permit claims under -65537, see
docs/FORMAT.md §1.2-1.3), encodes them as deterministic CBOR with cbor2, signs them with python-cwt's COSE
layer under the protected header {1: alg, 4: kid} (kid = sha256(SPKI DER)[:8], computed here) and an empty
unprotected header, once with Keys/demo-es256.key.pem and once with Keys/demo-eddsa.key.pem, normalises an
ECDSA s above n/2 to n - s (python-cwt does not), and wraps each as GL1: + base45 (zlib only where greenlane's
rule allows it and it is shorter).

Prints one JSON object: {"passes": [{"name", "alg", "kid", "serial", "plate", "at", "zone", "code",
"characters", "compressed"}, ...]}, where `at` and `zone` are a checkpoint at which the pass must be
accepted. Before printing, each pass is read back with python-cwt as a self-check.
Exit 0 on success, 3 if a python package is missing.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import glinterop as gl  # noqa: E402

import cbor2  # noqa: E402
import cwt  # noqa: E402

CHECKPOINT_AT = "2021-07-26T10:00:00+07:00"
CHECKPOINT_ZONE = "dong-da"


def permit_claims(serial, plate, vehicle_class, window):
    zones = ["ba-dinh", "hoan-kiem", "dong-da", "hai-ba-trung", "cau-giay"]
    permit = {
        1: "VNPOST",
        2: "".join(c for c in plate if c.isalnum()),  # the pass carries letters and digits only
        3: vehicle_class,
        4: "Trần Thị Bích Ngọc",  # NFC, diacritics kept
        5: int("001190034567"),
        6: sum(1 << gl.DISTRICTS.index(zone) for zone in zones),
        7: 2,  # public postal service
        9: "HN-SGTVT",
    }
    if window is not None:
        permit[8] = list(window)
    return {
        1: "VN-HN",
        4: gl.unix_time("2021-08-07T00:00:00+07:00"),
        5: gl.unix_time("2021-07-24T00:00:00+07:00"),
        6: gl.unix_time("2021-07-23T16:30:00+07:00"),
        7: serial.encode("utf-8"),
        gl.PERMIT_CLAIM: permit,
    }


def issue(key_name, serial, plate, vehicle_class, window):
    key, kid, alg = gl.private_signing_key(key_name)
    payload = cbor2.dumps(permit_claims(serial, plate, vehicle_class, window), canonical=True)
    # COSE.new() defaults: no automatic alg/kid inclusion, so the headers are exactly the ones given here.
    signed = cwt.COSE.new().encode_and_sign(payload, key, protected={1: alg, 4: kid}, unprotected={})
    # python-cwt leaves ECDSA's s as OpenSSL made it, above n/2 half the time; greenlane refuses that twin
    # (non-canonical-signature), so a third-party issuer normalises s to n - s (docs/FORMAT.md).
    cose = gl.with_low_s(signed)
    code = gl.wrap(cose, compression="shorter")

    # Self-check: python reads back what it wrote.
    back, compressed = gl.unwrap(code)
    assert back == cose
    assert gl.non_canonical(code) == [], gl.non_canonical(code)
    verified_key, protected, verified_payload = gl.verify_signature(back, gl.demo_public_keys())
    assert protected == {1: alg, 4: kid} and verified_key.kid == kid and verified_payload == payload
    claims = gl.decode_claims(verified_payload)
    assert gl.checkpoint_failures(claims, gl.unix_time(CHECKPOINT_AT), CHECKPOINT_ZONE, set()) == []
    return {
        "name": f"python-cwt-{gl.ALG_NAMES[alg].lower()}-{serial}", "alg": gl.ALG_NAMES[alg], "kid": kid.hex(),
        "serial": serial, "plate": plate, "at": CHECKPOINT_AT, "zone": CHECKPOINT_ZONE, "code": code,
        "characters": len(code), "compressed": compressed,
    }


def main():
    passes = [
        issue("demo-es256", "PY-000001", "29C-987.65", 4, (360, 1320)),
        issue("demo-eddsa", "PY-000002", "29-B1 456.78", 1, None),
        # A daily window that crosses midnight (06:00-04:00, end < start): 10:00 is inside it.
        issue("demo-es256", "PY-000003", "30E-123.45", 5, (360, 240)),
    ]
    print(json.dumps({"passes": passes}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
