#!/usr/bin/env python3
"""Size comparison: greenlane's typical pass against a comparable pass built with python-cwt's defaults.

The issue asks that "a typical pass must fit a QR symbol of version 10 or lower at error-correction level M
(at most 311 characters); a comparable pass built with python-cwt's defaults needs version 11". This script
measures both, whatever the numbers are.

ours: Samples/codes/valid-es256.txt as it is.

python-cwt: the same information (claims read here by decoding valid-es256, signature checked first), encoded
the way python-cwt's README shows for a CWT with a private claim: JSON-style claim names ("iss", "exp", ...,
"cti") that python-cwt maps to the registered integer keys, the permit as one private claim registered with
CWT.set_private_claim_names({"greenlane_permit": -65537}) whose value is a map with text keys, the same value
encodings as ours (integers for citizen ID, zones mask and window; python-cwt has no opinion there), signed by
cwt.CWT.new().encode(claims, key) with key = COSEKey.from_pem(demo-es256.key.pem, kid=<the same 8-byte kid>):
python-cwt's default header placement puts alg in the protected header and kid in the unprotected one. Then
"HC1-style": zlib (level 9, as the EU DCC always does), base45, a 4-character prefix.

Variants are printed too, so the difference can be attributed: python-cwt's default headers with our integer
keys, and the text-keyed pass without zlib.

Prints one JSON object on stdout. Exit 0 on success, 3 if a python package is missing.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import glinterop as gl  # noqa: E402

import cbor2  # noqa: E402
import cwt  # noqa: E402

SAMPLE = "valid-es256"
PERMIT_TEXT_KEYS = {
    1: "firm", 2: "plate", 3: "vehicle_class", 4: "driver_name", 5: "driver_id", 6: "zones", 7: "purpose",
    8: "window", 9: "station",
}


def measure(cose, compression):
    code = gl.wrap(cose, compression=compression)
    message = cbor2.loads(cose)
    return {
        "cose_bytes": len(cose),
        "protected_header_bytes": len(message.value[0]),
        "unprotected_header": {str(k): v.hex() if isinstance(v, bytes) else v for k, v in message.value[1].items()},
        "payload_bytes": len(message.value[2]),
        "compressed": code != gl.wrap(cose, compression="never"),
        "characters": len(code),
        "qr_version_m": gl.qr_version_m(len(code)),
        "code": code,
    }


def main():
    code = (gl.ROOT / "Samples/codes" / f"{SAMPLE}.txt").read_text().strip()
    cose, compressed = gl.unwrap(code)
    _, protected, payload = gl.verify_signature(cose, gl.demo_public_keys())
    claims = cbor2.loads(payload)
    permit = claims[gl.PERMIT_CLAIM]
    ours = measure(cose, "always" if compressed else "never")
    assert ours["code"] == code, "re-wrapping the sample changed it"

    signing_key = cwt.COSEKey.from_pem((gl.ROOT / "Keys/demo-es256.key.pem").read_bytes(), kid=protected[4])
    public_key = gl.demo_public_keys()[protected[4]].cose

    # How python-cwt's README builds a CWT with a private claim.
    ctx = cwt.CWT.new()
    ctx.set_private_claim_names({"greenlane_permit": gl.PERMIT_CLAIM})
    text_claims = {
        "iss": claims[1], "exp": claims[4], "nbf": claims[5], "iat": claims[6], "cti": claims[7].decode("utf-8"),
        "greenlane_permit": {PERMIT_TEXT_KEYS[k]: v for k, v in permit.items()},
    }
    theirs_cose = ctx.encode(text_claims, signing_key)
    # The same claims with our integer keys, through python-cwt's default header placement.
    theirs_int_cose = cwt.CWT.new().encode(claims, signing_key)

    for message in (theirs_cose, theirs_int_cose):  # both are genuine COSE_Sign1 under the demo key
        decoded = cbor2.loads(cwt.COSE.new().decode(message, public_key))
        assert decoded[1] == claims[1] and decoded[7] == claims[7], decoded

    theirs = measure(theirs_cose, "always")
    theirs["description"] = ("python-cwt defaults: CWT.encode with JSON claim names, permit as private claim "
                             "'greenlane_permit' (-65537) with text keys, COSEKey.from_pem(pem, kid=8 bytes), "
                             "alg protected / kid unprotected; zlib level 9 + base45 + 4-character prefix (HC1-style)")
    theirs["permit_keys"] = sorted(PERMIT_TEXT_KEYS[k] for k in permit)
    variants = {
        "python_cwt_text_keys_no_zlib": measure(theirs_cose, "never"),
        "python_cwt_integer_keys_zlib": measure(theirs_int_cose, "always"),
        "python_cwt_integer_keys_no_zlib": measure(theirs_int_cose, "never"),
    }
    for item in [ours, theirs, *variants.values()]:
        item.pop("code")
    report = {
        "sample": SAMPLE,
        "qr_alphanumeric_capacity_m": {f"v{v}": gl.QR_ALNUM_M[v - 1] for v in (9, 10, 11, 12)},
        "ours": ours,
        "python_cwt": theirs,
        "variants": variants,
        "ours_fits_v10_m": ours["characters"] <= 311,
        "ours_smaller_version": (theirs["qr_version_m"] or 99) > ours["qr_version_m"],
    }
    print(json.dumps(report, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
