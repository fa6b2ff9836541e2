"""Shared helpers for greenlane's interoperability scripts.

Everything here is written from docs/FORMAT.md alone, on top of independent libraries (python-cwt for COSE,
cbor2, base45, zlib, cryptography): nothing is taken from greenlane's Swift code, so a Swift bug and a
misreading of the format cannot cancel each other out.
"""

import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

import hashlib  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import unicodedata  # noqa: E402
import zlib  # noqa: E402
from datetime import datetime  # noqa: E402
from pathlib import Path  # noqa: E402

INSTALL_HINT = "pip install cwt base45; .ci/run does this"
MISSING_PACKAGE_EXIT = 3


def require_packages():
    """Imports the third-party packages, or exits with status 3 and a clear message."""
    missing = []
    for name in ("cwt", "cbor2", "base45", "cryptography"):
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    if missing:
        print(f"MISSING PYTHON PACKAGES: {', '.join(missing)}: {INSTALL_HINT}", file=sys.stderr)
        sys.exit(MISSING_PACKAGE_EXIT)


require_packages()

import base45  # noqa: E402
import cbor2  # noqa: E402
import cwt  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, ed25519  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "GL1:"
ES256, EDDSA = -7, -8
ALG_NAMES = {ES256: "ES256", EDDSA: "EdDSA"}
PERMIT_CLAIM = -65537
MAX_INFLATED = 4096
VIETNAM_OFFSET = 7 * 3600

# docs/FORMAT.md §1.4: bit n of the zones mask is the district in row n.
DISTRICTS = [
    "ba-dinh", "hoan-kiem", "tay-ho", "long-bien", "cau-giay", "dong-da", "hai-ba-trung", "hoang-mai",
    "thanh-xuan", "soc-son", "dong-anh", "gia-lam", "nam-tu-liem", "thanh-tri", "bac-tu-liem", "me-linh",
    "ha-dong", "son-tay", "ba-vi", "phuc-tho", "dan-phuong", "hoai-duc", "quoc-oai", "thach-that", "chuong-my",
    "thanh-oai", "thuong-tin", "phu-xuyen", "ung-hoa", "my-duc",
]
VEHICLE_CLASSES = {1: "motorbike", 2: "car", 3: "van", 4: "light-truck", 5: "heavy-truck"}
PURPOSES = {1: "essential-goods", 2: "public-postal", 3: "telecom-repair"}

# QR alphanumeric-mode capacity at error-correction level M (ISO/IEC 18004 table 7), versions 1-20.
QR_ALNUM_M = [20, 38, 61, 90, 122, 154, 178, 221, 262, 311, 366, 419, 483, 528, 600, 656, 734, 816, 909, 970]


class Refused(Exception):
    """The code was read but is not a genuine pass (unknown kid, wrong algorithm, bad signature)."""


class Malformed(Exception):
    """The code does not follow docs/FORMAT.md."""


def qr_version_m(characters):
    """Smallest QR version holding this many alphanumeric characters at level M (None above version 20)."""
    for version, capacity in enumerate(QR_ALNUM_M, start=1):
        if characters <= capacity:
            return version
    return None


def unix_time(rfc3339):
    return int(datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp())


# --- keys ---------------------------------------------------------------------------------------------------


def spki_kid(public_key):
    """kid = the first 8 bytes of SHA-256 over the SubjectPublicKeyInfo DER."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).digest()[:8]


def key_algorithm(public_key):
    if isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.name == "secp256r1":
        return ES256
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return EDDSA
    raise ValueError(f"unsupported key type {type(public_key).__name__}")


class PublicKey:
    def __init__(self, path):
        self.path = path
        pem = path.read_bytes()
        public = serialization.load_pem_public_key(pem)
        self.kid = spki_kid(public)
        self.alg = key_algorithm(public)
        self.cose = cwt.COSEKey.from_pem(pem, alg=ALG_NAMES[self.alg], kid=self.kid)

    def __repr__(self):
        return f"{self.path.name} (kid {self.kid.hex()}, {ALG_NAMES[self.alg]})"


def demo_public_keys():
    """The demo public keys from Keys/*.pub.pem, by kid (computed here from each PEM)."""
    keys = {}
    for path in sorted((ROOT / "Keys").glob("*.pub.pem")):
        key = PublicKey(path)
        if key.kid in keys:
            raise ValueError(f"two keys with kid {key.kid.hex()}")
        keys[key.kid] = key
    return keys


def private_signing_key(name):
    """A demo private key (Keys/NAME.key.pem) as a python-cwt signing key with greenlane's kid."""
    pem = (ROOT / "Keys" / f"{name}.key.pem").read_bytes()
    private = serialization.load_pem_private_key(pem, password=None)
    public = private.public_key()
    kid, alg = spki_kid(public), key_algorithm(public)
    return cwt.COSEKey.from_pem(pem, alg=ALG_NAMES[alg], kid=kid), kid, alg


# --- the code's layers --------------------------------------------------------------------------------------


def unwrap(code):
    """GL1: + base45 (+ zlib) -> (COSE bytes, whether zlib was used)."""
    code = code.strip()
    if not code.startswith(PREFIX):
        raise Malformed("no GL1: prefix")
    try:
        data = base45.b45decode(code[len(PREFIX):])
    except Exception as error:
        raise Malformed(f"base45: {error}")
    # docs/FORMAT.md: 0xD2 (tag 18) is a bare COSE message, anything else must be a zlib header (CM = 8,
    # CMF*256+FLG a multiple of 31). Not just 0x78: the issuer sizes the deflate window to the input.
    if len(data) >= 2 and data[0] != 0xD2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0:
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(data, MAX_INFLATED + 1)
        except zlib.error as error:
            raise Malformed(f"zlib: {error}")
        if len(inflated) > MAX_INFLATED or not inflater.eof:
            raise Malformed("zlib: more than 4096 bytes or truncated stream")
        return inflated, True
    return data, False


def wrap(cose, compression="shorter"):
    """COSE bytes -> GL1: code. compression: 'never', 'always' or 'shorter' (greenlane's rule: zlib only when
    the plain code would need a QR symbol above version 10-M, and only if that makes it shorter)."""
    bare = PREFIX + base45.b45encode(cose).decode("ascii")
    if compression == "never" or (compression == "shorter" and not may_compress(cose)):
        return bare
    deflated = PREFIX + base45.b45encode(zlib.compress(cose, 9)).decode("ascii")
    if compression == "always":
        return deflated
    return deflated if len(deflated) < len(bare) else bare


# --- canonical form (docs/FORMAT.md, "Canonical codes") -----------------------------------------------------

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
ED25519_ORDER = 2**252 + 27742317777372353535851937790883648493


def plain_length(cose):
    """Characters of the code for these COSE bytes without a zlib layer."""
    return len(PREFIX) + len(base45.b45encode(cose))


def may_compress(cose):
    """A zlib layer is allowed only when the plain code does not fit QR version 10-M."""
    version = qr_version_m(plain_length(cose))
    return version is None or version > 10


def high_s(signature):
    """ES256 raw r||s whose s is above n/2: the malleable twin of the low-s signature."""
    return len(signature) == 64 and int.from_bytes(signature[32:], "big") > P256_ORDER // 2


def unreduced_ed25519_s(signature):
    """Ed25519 signature whose S (little-endian, last 32 bytes) is not below the group order L."""
    return len(signature) == 64 and int.from_bytes(signature[32:], "little") >= ED25519_ORDER


def with_low_s(cose):
    """The same COSE_Sign1 with an ES256 s replaced by n - s when it is high (python-cwt does not do this)."""
    message = cbor2.loads(cose)
    protected_bytes, unprotected, payload, signature = message.value
    if cbor2.loads(protected_bytes).get(1) != ES256 or not high_s(signature):
        return cose
    s = P256_ORDER - int.from_bytes(signature[32:], "big")
    low = signature[:32] + s.to_bytes(32, "big")
    return cbor2.dumps(cbor2.CBORTag(18, [protected_bytes, unprotected, payload, low]), canonical=True)


def non_canonical(code):
    """Why a code is not in its one canonical form (empty if it is): high-S ES256, unreduced Ed25519 S, or a
    zlib layer on a code that must be plain."""
    cose, compressed = unwrap(code)
    protected, _, _, signature = parse_sign1(cose)
    reasons = []
    if compressed and not may_compress(cose):
        reasons.append("non-canonical-compression")
    alg = protected.get(1)
    if (alg == ES256 and high_s(signature)) or (alg == EDDSA and unreduced_ed25519_s(signature)):
        reasons.append("non-canonical-signature")
    return reasons


def parse_sign1(cose):
    """Reads a COSE_Sign1 without verifying it: (protected map, unprotected map, payload, signature)."""
    try:
        message = cbor2.loads(cose)
    except Exception as error:
        raise Malformed(f"CBOR: {error}")
    if not isinstance(message, cbor2.CBORTag) or message.tag != 18:
        raise Malformed("not a tag-18 COSE_Sign1")
    if not isinstance(message.value, list) or len(message.value) != 4:
        raise Malformed("COSE_Sign1 is not an array of 4")
    protected_bytes, unprotected, payload, signature = message.value
    protected = cbor2.loads(protected_bytes) if protected_bytes else {}
    if not isinstance(protected, dict) or not isinstance(unprotected, dict):
        raise Malformed("headers are not maps")
    return protected, unprotected, payload, signature


def verify_signature(cose, keys):
    """Independent signature check: key picked by the protected kid, alg must be the key's own,
    the signature checked by python-cwt's COSE layer. Returns (key, protected, payload); raises Refused.

    Also returns, in the exception or the result, python-cwt's own verdict, since python-cwt does not
    compare the header's alg with the key's (the check marked 'ours' below)."""
    protected, unprotected, _, _ = parse_sign1(cose)
    if unprotected:
        raise Malformed(f"unprotected header not empty: {unprotected}")
    kid, alg = protected.get(4), protected.get(1)
    key = keys.get(kid)
    raw = python_cwt_verdict(cose, [k.cose for k in keys.values()])
    if key is None:
        raise Refused(f"no demo key has kid {kid.hex() if isinstance(kid, bytes) else kid!r}; python-cwt: {raw}")
    if alg not in (ES256, EDDSA):
        raise Refused(f"alg {alg!r} is not ES256/EdDSA (ours); python-cwt: {raw}")
    if alg != key.alg:
        raise Refused(f"alg {alg} but kid names {key!r} (ours); python-cwt: {raw}")
    try:
        _, _, payload = cwt.COSE.new().decode_with_headers(cose, key.cose)
    except Exception as error:
        raise Refused(f"python-cwt: {type(error).__name__}: {error}")
    return key, protected, payload


def python_cwt_verdict(cose, cose_keys):
    """What python-cwt's COSE layer alone says (kid match + signature), as text."""
    try:
        cwt.COSE.new().decode(cose, cose_keys)
        return "signature valid"
    except Exception as error:
        return f"{type(error).__name__}: {error}"


def is_deterministic(encoded):
    """RFC 8949 core deterministic encoding, as far as greenlane uses CBOR (int/text keys):
    re-encoding the decoded item canonically gives the same bytes."""
    return cbor2.dumps(cbor2.loads(encoded), canonical=True) == encoded


# --- claims -------------------------------------------------------------------------------------------------

TIME_MIN, TIME_MAX = unix_time("2020-01-01T00:00:00Z"), unix_time("2100-01-01T00:00:00Z")
TOKEN = re.compile(r"^[A-Z0-9-]+$")
# The pass carries a plate's letters and digits only; the printed form follows from the vehicle class.
PLATE_MOTORBIKE = re.compile(r"^(\d\d)([A-Z][A-Z0-9])(\d{4,5})$")
PLATE_VEHICLE = re.compile(r"^(\d\d)([A-Z]{1,2})(\d{4,5})$")


def printed_plate(compact, vehicle_class):
    """docs/FORMAT.md: cars and trucks 29C-123.45 / 29C-1234; motorbikes 29-B1 123.45 / 29-B1 1234."""
    match = (PLATE_MOTORBIKE if vehicle_class == 1 else PLATE_VEHICLE).match(compact)
    if match is None:
        return None
    province, series, number = match.groups()
    number = number if len(number) == 4 else number[:3] + "." + number[3:]
    return f"{province}-{series} {number}" if vehicle_class == 1 else f"{province}{series}-{number}"


def check(condition, message):
    if not condition:
        raise Malformed(message)


def decode_claims(payload):
    """The CWT claims set, checked against docs/FORMAT.md §1.2 and §1.3. Returns a plain dict."""
    check(is_deterministic(payload), "claims are not deterministically encoded CBOR")
    claims = cbor2.loads(payload)
    check(isinstance(claims, dict), "claims are not a map")
    check(set(claims) == {1, 4, 5, 6, 7, PERMIT_CLAIM}, f"claim keys {sorted(claims)}")
    iss, exp, nbf, iat, cti, permit = (claims[k] for k in (1, 4, 5, 6, 7, PERMIT_CLAIM))
    check(isinstance(iss, str) and 1 <= len(iss) <= 32, "iss")
    for name, value in (("exp", exp), ("nbf", nbf), ("iat", iat)):
        check(isinstance(value, int) and TIME_MIN <= value <= TIME_MAX, f"{name} {value!r}")
    check(nbf < exp and iat < exp, "nbf/iat not before exp")
    check(isinstance(cti, bytes) and 1 <= len(cti) <= 24, "cti is not a 1-24 byte string")
    serial = cti.decode("utf-8")
    check(TOKEN.match(serial) is not None, f"serial {serial!r}")

    check(isinstance(permit, dict), "permit claim is not a map")
    keys = set(permit)
    check(keys <= set(range(1, 10)) and {1, 2, 3, 4, 5, 6, 7, 9} <= keys, f"permit keys {sorted(keys)}")
    firm, plate, vclass, name, driver_id, zones, purpose, station = (permit[k] for k in (1, 2, 3, 4, 5, 6, 7, 9))
    check(isinstance(firm, str) and 1 <= len(firm) <= 16 and TOKEN.match(firm), f"firm {firm!r}")
    check(vclass in VEHICLE_CLASSES, f"vehicle class {vclass!r}")
    check(isinstance(plate, str) and 7 <= len(plate) <= 12, f"plate {plate!r}")
    plate = printed_plate(plate, vclass)
    check(plate is not None, f"plate {permit[2]!r} does not fit vehicle class {vclass}")
    check(isinstance(name, str) and 2 <= len(name.encode()) <= 96 and unicodedata.is_normalized("NFC", name),
          f"driver name {name!r}")
    check(isinstance(driver_id, int) and 0 <= driver_id < 10**12, f"citizen id {driver_id!r}")
    driver_id_text = f"{driver_id:012d}"
    check(1 <= int(driver_id_text[:3]) <= 96, f"citizen id province {driver_id_text[:3]}")
    check(isinstance(zones, int) and 0 < zones < (1 << 30), f"zones {zones!r}")
    check(purpose in PURPOSES, f"purpose {purpose!r}")
    check(isinstance(station, str) and 1 <= len(station) <= 24 and TOKEN.match(station), f"station {station!r}")
    window = permit.get(8)
    if window is not None:
        check(isinstance(window, list) and len(window) == 2, "window")
        check(0 <= window[0] <= 1439 and 0 <= window[1] <= 1440 and window[0] != window[1], f"window {window}")
    return {
        "issuer": iss, "expiresAt": exp, "notBefore": nbf, "issuedAt": iat, "serial": serial, "firm": firm,
        "plate": plate, "vehicleClass": VEHICLE_CLASSES[vclass], "driverName": name, "driverID": driver_id_text,
        "zones": [DISTRICTS[bit] for bit in range(30) if zones >> bit & 1], "purpose": PURPOSES[purpose],
        "station": station, "window": None if window is None else f"{window[0] // 60:02d}:{window[0] % 60:02d}-"
        f"{window[1] // 60:02d}:{window[1] % 60:02d}", "windowMinutes": window,
    }


def in_window(window, at):
    if window is None:
        return True
    start, end = window
    minute = (at + VIETNAM_OFFSET) % 86400 // 60
    return start <= minute < end if start < end else (minute >= start or minute < end)


def checkpoint_failures(claims, at, zone, revoked_serials, skew=300):
    """The time/zone/window/revocation checks a checkpoint makes, computed here from the decoded claims."""
    failures = []
    if at + skew < claims["notBefore"]:
        failures.append("not-yet-valid")
    if at - skew >= claims["expiresAt"]:
        failures.append("expired")
    if zone is not None and zone not in claims["zones"]:
        failures.append("wrong-zone")
    # The skew applies to the daily window too (docs/FORMAT.md §3.1): any instant within it counts.
    if not any(in_window(claims["windowMinutes"], at + offset) for offset in range(-skew, skew + 1, 60)) \
            and not in_window(claims["windowMinutes"], at + skew):
        failures.append("outside-time-window")
    if (claims["issuer"], claims["serial"]) in revoked_serials:
        failures.append("revoked")
    return failures


def load_revocations(path, keys):
    """The signed revocation list (docs/FORMAT.md §4), its signature checked like a pass's."""
    _, _, payload = verify_signature(path.read_bytes(), keys)
    body = cbor2.loads(payload)
    issuer, entries = body[1], body[3]
    serials = [entry[0] for entry in entries]
    check(serials == sorted(serials) and len(set(serials)) == len(serials), "revocation list out of order")
    return {(issuer, serial) for serial in serials}


def load_expected():
    return json.loads((ROOT / "Samples/codes/expected.json").read_text())
