#!/usr/bin/env python3
"""Writes the seed corpora for the libFuzzer targets in Fuzz/ from the repository's samples.

Usage: python3 scripts/fuzz-seeds.py OUTDIR
Creates OUTDIR/<Target>/ for FuzzPassVerifier, FuzzRevocationList, FuzzTrustFile, FuzzRequestCSV, FuzzCBOR, FuzzSignedClaims.
Seeds are derived at run time so they follow the samples when those change.
"""
import base64, glob, hashlib, json, os, sys, zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = sys.argv[1]
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def b45decode(text):
    values = [ALPHABET.index(c) for c in text]
    result = bytearray()
    for i in range(0, len(values), 3):
        chunk = values[i:i + 3]
        n = sum(v * 45 ** k for k, v in enumerate(chunk))
        result += n.to_bytes(2 if len(chunk) == 3 else 1, "big")
    return bytes(result)


def put(target, data, name=None):
    folder = os.path.join(out, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    name = name or hashlib.sha1(data).hexdigest()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def read(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read()


# (a) pass codes: every sample, plus a few hand-made edge cases.
for path in sorted(glob.glob(os.path.join(ROOT, "Samples/codes/*.txt"))):
    text = open(path, "rb").read()
    put("FuzzPassVerifier", text, os.path.basename(path))
    code = text.decode("utf-8", "replace").strip()
    if code.startswith("GL1:"):
        try:
            body = b45decode(code[4:])
        except ValueError:
            continue
        if body[:1] not in (b"\xd2", b"\x84"):
            try:
                body = zlib.decompressobj().decompress(body, 8192)
            except zlib.error:
                continue
        # (e) the COSE bytes, and the payload inside them, as raw CBOR.
        put("FuzzCBOR", body, "cose-" + os.path.basename(path))
        if body[:3] == b"\xd2\x84\x4d" or body[:2] == b"\xd2\x84":
            put("FuzzCBOR", body[2:], "untagged-" + os.path.basename(path))
for text in ["", "GL1:", "GL1:0", " GL1:00 ", "HC1:6BFOXN", "gl1:ABC"]:
    put("FuzzPassVerifier", text)

# (b) revocation lists: the sample signed list, its payload, and an empty list.
glr = read("Samples/codes/revocations.glr")
put("FuzzRevocationList", glr, "revocations.glr")
put("FuzzCBOR", glr, "revocations.glr")
# payload: the third element of the COSE array; found by CBOR-decoding the bstr heads by hand is overkill,
# so seed the tail instead and let the fuzzer cut it.
put("FuzzRevocationList", bytes([0xA3, 0x01, 0x65]) + b"VN-HN" + bytes([0x02, 0x1A, 0x60, 0xFE, 0x1B, 0x40, 0x03, 0x80]),
    "empty-payload")
put("FuzzRevocationList", bytes([0xA3, 0x01, 0x65]) + b"VN-HN" + bytes([0x02, 0x1A, 0x60, 0xFE, 0x1B, 0x40, 0x03, 0x81, 0x83, 0x69])
    + b"HN-000001" + bytes([0x1A, 0x60, 0xFE, 0x1B, 0x40, 0x64]) + b"lost", "one-entry-payload")

# (c) trust files: the demo file, each key alone, with validity and a certificate-shaped entry.
trust = read("Keys/demo-trust.json")
put("FuzzTrustFile", trust, "demo-trust.json")
doc = json.loads(trust)
for i, key in enumerate(doc["keys"]):
    put("FuzzTrustFile", json.dumps({"format": doc["format"], "keys": [key]}, indent=1), f"key{i}.json")
    bare = {k: v for k, v in key.items() if k in ("kid", "alg", "label", "publicKey")}
    put("FuzzTrustFile", json.dumps({"format": doc["format"], "keys": [bare]}), f"bare{i}.json")
put("FuzzTrustFile", '{"format":"greenlane-trust/1","keys":[]}', "empty.json")

# (d) CSV requests: the samples and small variants (quotes, CRLF, BOM, missing/extra columns).
for path in sorted(glob.glob(os.path.join(ROOT, "Samples/requests*.csv"))):
    data = open(path, "rb").read()
    lines = data.split(b"\n")
    put("FuzzRequestCSV", b"\n".join(lines[:12]) + b"\n", os.path.basename(path))  # small: faster runs
put("FuzzRequestCSV", read("Samples/requests.csv").replace(b"\n", b"\r\n")[:2000], "crlf.csv")
put("FuzzRequestCSV", b"\xef\xbb\xbf" + read("Samples/requests-with-errors.csv")[:1500], "bom.csv")
put("FuzzRequestCSV", b'firm,plate,vehicle_class,driver_name,driver_id,test_at,purpose,zones\n'
    b'"VN""POST","29C-123.45",van,"=cmd|\' /C calc\'!A0",001085012345,2021-07-25,essential-goods,"a,b"\n', "quotes.csv")

# (e) CBOR: RFC 8949 appendix A vectors.
for vector in json.loads(read("Tests/GreenlaneFormatTests/Vectors/appendix_a.json")):
    put("FuzzCBOR", bytes.fromhex(vector["hex"]))

# FuzzSignedClaims reads its bytes as the fields of a pass and a checkpoint (Fuzz/Sources/FuzzSignedClaims):
# a few shapes that reach every check once — all districts and a window, revoked, and a bare pass.
put("FuzzSignedClaims", bytes([0, 9]) + b"HN-000123" + bytes([13]) + "Nguyễn Văn An".encode()[:13]
    + bytes([0xFF, 0xFF, 0xFF, 0x3F, 1, 0x68, 0x01, 0x80, 0, 0, 0x80, 0, 0, 0x82, 0, 0, 0x80, 0, 0, 7, 0, 0x40, 3]),
    "typical")
put("FuzzSignedClaims", bytes([1, 4]) + b"AB-1" + bytes([4]) + b"Thao" + bytes([0, 0, 0, 1, 0]), "bare")
put("FuzzSignedClaims", bytes(range(64)), "counting")
