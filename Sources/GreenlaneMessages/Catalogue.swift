/// Every message the checkpoint shows, in Vietnamese and English, in one place (the lean `greenlane` binary
/// links this module: no Foundation). The catalogue test fails when a message lacks a language, when its
/// Vietnamese equals its English, or when the languages use different placeholders. The office commands move
/// here later; nothing else may hold checkpoint text.
public enum Catalogue {
    // MARK: Verdict banners, the first line an officer reads.

    public static let valid = Message("verdict.valid", vi: "✔  HỢP LỆ — ĐƯỢC QUA CHỐT", en: "✔  VALID — MAY PASS")
    /// Valid, while the revocation list is in its grace: an amber banner.
    public static let validAgeing = Message(
        "verdict.valid-ageing", vi: "✔  HỢP LỆ — DỮ LIỆU SẮP CŨ: HÃY ĐỒNG BỘ", en: "✔  VALID — DATA GETTING OLD: SYNC")
    public static let notValid = Message(
        "verdict.not-valid", vi: "✘  KHÔNG HỢP LỆ — KHÔNG ĐƯỢC QUA", en: "✘  NOT VALID — DO NOT LET PASS")
    public static let cannotRead = Message(
        "verdict.cannot-read", vi: "?  KHÔNG ĐỌC ĐƯỢC MÃ — HÃY QUÉT LẠI", en: "?  CANNOT READ THE CODE — SCAN AGAIN")
    public static let notGreenlaneCode = Message(
        "verdict.not-greenlane", vi: "?  KHÔNG PHẢI MÃ THẺ LUỒNG XANH", en: "?  NOT A GREEN-LANE CODE")
    public static let cannotConfirm = Message(
        "verdict.cannot-confirm", vi: "!  CHƯA XÁC NHẬN ĐƯỢC — DỮ LIỆU CỦA CHỐT CÓ VẤN ĐỀ",
        en: "!  CANNOT CONFIRM — THE CHECKPOINT'S DATA ARE NOT USABLE")
    public static let demo = Message(
        "verdict.demo", vi: "⚠  THẺ MẪU (DEMO) — KHÔNG PHẢI THẺ THẬT, KHÔNG ĐƯỢC QUA",
        en: "⚠  DEMO PASS — NOT A REAL PASS, DO NOT LET PASS")

    // MARK: What the banner means, under it.

    public static let cannotReadHint = Message(
        "hint.cannot-read",
        vi: "Mã bị mờ, thiếu hoặc gõ sai. Hãy quét lại mã trên thẻ; đây không phải dấu hiệu thẻ giả.",
        en: "The code is blurred, cut short or mistyped. Scan the card again; this is not a sign of forgery.")
    public static let notGreenlaneHint = Message(
        "hint.not-greenlane",
        vi: "Mã QR này không phải thẻ luồng xanh (có thể là đường link hay tờ khai y tế). "
            + "Hãy hỏi mã trên thẻ luồng xanh.",
        en: "This QR code is not a green-lane pass (perhaps a link or a health declaration). Ask for the pass's code.")
    public static let demoHint = Message(
        "hint.demo",
        vi: "Thẻ ký bằng khóa thử nghiệm công khai \"{1}\": chỉ dùng khi huấn luyện (chạy với --training).",
        en: "Signed with the public demo key \"{1}\": for training only (run with --training).")
    public static let cannotConfirmHint = Message(
        "hint.cannot-confirm",
        vi: "Thẻ có vẻ đúng nhưng dữ liệu của chốt chưa đủ để xác nhận (xem lưu ý bên dưới).",
        en: "The pass looks right but the checkpoint's data are not enough to confirm it (see the notes below).")
    /// The trust file's `cannotConfirm` instruction, under this heading, in the officer's language.
    public static let authorityInstruction = Message(
        "hint.authority-instruction", vi: "Chỉ dẫn của đơn vị cấp thẻ: {1}",
        en: "The issuing authority's instruction: {1}")
    /// When the trust file gives no instruction.
    public static let cannotConfirmDefaultInstruction = Message(
        "hint.cannot-confirm-default", vi: "Báo cán bộ phụ trách; chưa cho qua khi chưa có chỉ đạo.",
        en: "Call the officer in charge; do not wave it through without instructions.")
    public static let demoNote = Message(
        "note.demo", vi: "  ⚠  THẺ MẪU (DEMO) — KHÔNG PHẢI THẺ THẬT", en: "  ⚠  DEMO PASS — NOT A REAL PASS")

    // MARK: Headings.

    public static let reasons = Message("heading.reasons", vi: "Lý do:", en: "Why:")
    public static let notes = Message("heading.notes", vi: "Lưu ý:", en: "Note:")
    public static let signedBy = Message("heading.signed-by", vi: "Ký bởi {1}:", en: "Signed by {1}:")
    public static let signedButNotValid = Message(
        "heading.signed-not-valid", vi: "Ký bởi {1}, nhưng hiện không hợp lệ:", en: "Signed by {1}, but not valid now:")
    public static let notVerified = Message(
        "heading.not-verified", vi: "Nội dung ghi trên mã (CHƯA được xác thực):",
        en: "What the code says (NOT verified):")
    public static let endOfNotVerified = Message(
        "heading.end-not-verified", vi: "(hết phần chưa xác thực)", en: "(end of the unverified part)")
    public static let checkedAt = Message("heading.checked-at", vi: "Kiểm tra lúc: {1}", en: "Checked at: {1}")
    public static let inspectNotVerified = Message(
        "inspect.not-verified", vi: "⚠ CHƯA XÁC THỰC: chỉ giải mã, không kiểm tra chữ ký hay hiệu lực.",
        en: "⚠ NOT VERIFIED: decoded only; signature and validity were not checked.")

    // MARK: A pass's fields.

    public static let plate = Message("field.plate", vi: "Biển số", en: "Plate")
    public static let vehicle = Message("field.vehicle", vi: "Loại xe", en: "Vehicle")
    public static let firm = Message("field.firm", vi: "Doanh nghiệp", en: "Firm")
    public static let driver = Message("field.driver", vi: "Lái xe", en: "Driver")
    public static let driverValue = Message("field.driver-value", vi: "{1} (CCCD {2})", en: "{1} (citizen ID {2})")
    public static let zones = Message("field.zones", vi: "Khu vực", en: "Zones")
    public static let purpose = Message("field.purpose", vi: "Mục đích", en: "Purpose")
    public static let hours = Message("field.hours", vi: "Khung giờ", en: "Hours")
    public static let hoursValue = Message("field.hours-value", vi: "{1} hằng ngày", en: "{1} daily")
    public static let validity = Message("field.validity", vi: "Hiệu lực", en: "Valid")
    public static let serial = Message("field.serial", vi: "Số thẻ", en: "Serial")
    public static let serialValue = Message("field.serial-value", vi: "{1} · trạm cấp {2}", en: "{1} · station {2}")
    public static let issuer = Message("field.issuer", vi: "Đơn vị cấp", en: "Issuer")

    // MARK: Why a pass is refused (one per check; `malformed-*` one per layer).

    public static let malformedPrefix = Message(
        "failure.malformed-prefix", vi: "Không có tiền tố GL1: của thẻ luồng xanh",
        en: "No GL1: prefix: not a green-lane pass code")
    public static let malformedBase45 = Message(
        "failure.malformed-base45", vi: "Mã không đọc được (lớp base45: ký tự sai hoặc thiếu)",
        en: "Code cannot be read (base45 layer: a wrong or missing character)")
    public static let malformedZlib = Message(
        "failure.malformed-zlib", vi: "Mã không đọc được (lớp nén zlib)", en: "Code cannot be read (zlib layer)")
    public static let malformedCBOR = Message(
        "failure.malformed-cbor", vi: "Mã không đọc được (lớp dữ liệu CBOR)", en: "Code cannot be read (CBOR layer)")
    public static let malformedCOSE = Message(
        "failure.malformed-cose", vi: "Mã không đọc được (lớp chữ ký COSE)", en: "Code cannot be read (COSE layer)")
    public static let malformedClaims = Message(
        "failure.malformed-claims", vi: "Mã không đọc được (nội dung thẻ sai định dạng)",
        en: "Code cannot be read (the pass's content does not follow the format)")
    public static let nonCanonicalCompression = Message(
        "failure.non-canonical-compression",
        vi: "Mã không ở dạng chuẩn: bị thêm lớp nén zlib dù chỉ dài {1} ký tự khi không nén",
        en: "Non-canonical code: a zlib layer was added to a code of only {1} characters uncompressed")
    public static let unknownKeyID = Message(
        "failure.unknown-kid", vi: "Khóa ký không có trong danh sách tin cậy (kid {1})",
        en: "Signing key is not trusted (kid {1})")
    public static let algorithmNotAllowed = Message(
        "failure.algorithm-not-allowed", vi: "Thuật toán ký không được chấp nhận: {1}",
        en: "Signature algorithm not allowed: {1}")
    public static let algorithmMismatch = Message(
        "failure.algorithm-mismatch", vi: "Thuật toán {1} không khớp với khóa {2}",
        en: "Algorithm {1} does not match the key's {2}")
    public static let nonCanonicalSignature = Message(
        "failure.non-canonical-signature", vi: "Chữ ký {1} không ở dạng chuẩn ({2}): mã đã bị sửa sau khi ký",
        en: "Non-canonical {1} signature ({2}): the code was altered after signing")
    public static let badSignature = Message(
        "failure.bad-signature", vi: "Chữ ký số sai: mã đã bị sửa hoặc giả mạo",
        en: "Bad signature: the code was altered or forged")
    public static let keyNotValid = Message(
        "failure.key-not-valid", vi: "Khóa {1} không còn hiệu lực khi cấp thẻ ({2})",
        en: "Key {1} was not valid when the pass was issued ({2})")
    public static let keyLifetimeTooLong = Message(
        "failure.key-lifetime-too-long", vi: "Thẻ dài hơn mức khóa {1} được phép ký ({2} ngày)",
        en: "The pass lasts longer than key {1} may sign ({2} days)")
    public static let keyLifetimeSignedEarly = Message(
        "failure.key-lifetime-signed-early", vi: "Thẻ được ký hơn một ngày trước ngày hiệu lực (khóa {1})",
        en: "The pass was signed more than a day before it starts (key {1})")
    public static let keyLifetimePastKeyEnd = Message(
        "failure.key-lifetime-past-key-end", vi: "Thẻ còn hạn quá xa sau khi khóa {1} hết hiệu lực ({2})",
        en: "The pass runs too long past the end of key {1} ({2})")
    public static let keyRole = Message(
        "failure.key-role", vi: "Khóa {1} không được phép ký thẻ", en: "Key {1} may not sign passes")
    public static let issuerMismatch = Message(
        "failure.issuer-mismatch", vi: "Đơn vị cấp ghi trên thẻ không phải {1}, đơn vị của khóa ký",
        en: "The pass's issuer is not {1}, the signing key's issuer")
    public static let notYetValid = Message(
        "failure.not-yet-valid", vi: "Chưa đến ngày hiệu lực: từ {1}", en: "Not yet valid: valid from {1}")
    public static let expired = Message("failure.expired", vi: "Đã hết hạn lúc {1}", en: "Expired at {1}")
    public static let wrongZone = Message(
        "failure.wrong-zone", vi: "Không được đi trong {1}; chỉ hợp lệ tại: {2}",
        en: "Not valid in {1}; valid only in: {2}")
    public static let outsideTimeWindow = Message(
        "failure.outside-time-window", vi: "Ngoài khung giờ được phép ({1} hằng ngày)",
        en: "Outside the permitted hours ({1} daily, Vietnam time)")
    public static let revoked = Message(
        "failure.revoked", vi: "Thẻ đã bị thu hồi lúc {1} (lý do: {2})", en: "Pass revoked at {1} (reason: {2})")
    public static let demoKeyReason = Message(
        "failure.demo-key", vi: "THẺ MẪU (DEMO): ký bằng khóa thử nghiệm \"{1}\", không phải thẻ thật",
        en: "DEMO PASS: signed with the demo key \"{1}\", not a real pass")
    public static let allOfHanoi = Message("zones.all", vi: "toàn thành phố Hà Nội", en: "all of Hanoi")

    // MARK: Notes that do not refuse a pass.

    public static let staleRevocationList = Message(
        "warning.stale-revocation-list",
        vi: "Danh sách thu hồi đã quá hạn (lập lúc {1}, chỉ dùng được đến {2}): cần đồng bộ",
        en: "Revocation list is out of date (made {1}, usable until {2}): sync it")
    public static let ageingRevocationList = Message(
        "warning.ageing-revocation-list",
        vi: "Danh sách thu hồi sắp cũ (lập lúc {1}, còn dùng được đến {2}): hãy đồng bộ",
        en: "Revocation list is getting old (made {1}, usable until {2}): sync it")
    public static let revocationListFromFuture = Message(
        "warning.revocation-list-from-future",
        vi: "Danh sách thu hồi ghi ngày lập {1}, sau giờ của máy: không dùng được; kiểm tra đồng hồ",
        en: "Revocation list is dated {1}, after this device's clock: not used; check the clock")
    public static let revocationListOtherIssuer = Message(
        "warning.revocation-list-other-issuer",
        vi: "Danh sách thu hồi là của đơn vị khác ({1}), không áp dụng cho thẻ này",
        en: "The revocation list is another issuer's ({1}); it does not apply to this pass")
    public static let revocationListDemoSigned = Message(
        "warning.revocation-list-demo-signed",
        vi: "Danh sách thu hồi ký bằng khóa thử nghiệm ({1}): không bao giờ áp dụng cho thẻ thật",
        en: "The revocation list is signed with a demo key ({1}): it never applies to a real pass")
    public static let noRevocationList = Message(
        "warning.no-revocation-list", vi: "Không có danh sách thu hồi: chưa kiểm tra được thu hồi",
        en: "No revocation list: revocation cannot be checked")
    public static let revocationCheckWaived = Message(
        "warning.revocation-check-waived",
        vi: "Cán bộ đã bỏ qua kiểm tra thu hồi (--waive-revocations): thẻ đã bị thu hồi vẫn có thể qua",
        en: "The officer waived the revocation check (--waive-revocations): a revoked pass would pass")
    public static let zoneNotChecked = Message(
        "warning.zone-not-checked", vi: "Chưa chọn địa bàn chốt, mà thẻ chỉ có hiệu lực ở một số quận, huyện",
        en: "No checkpoint district given, and the pass is valid only in some districts")
    public static let clockBehind = Message(
        "warning.clock-behind",
        vi: "Đồng hồ của máy sớm hơn thời điểm ký mới nhất chốt đã thấy ({1}): chỉnh lại giờ",
        en: "This device's clock is earlier than the newest signed time it has seen ({1}): set the clock")

    // MARK: Errors that stop a command, each with what to do.

    public static let errorPrefix = Message("error.prefix", vi: "Lỗi: {1}", en: "Error: {1}")
    public static let remedyPrefix = Message("error.remedy", vi: "Cách khắc phục: {1}", en: "What to do: {1}")
    public static let detailPrefix = Message("error.detail", vi: "Chi tiết (tiếng Anh): {1}", en: "Detail: {1}")

    /// The error to show when no entry has the error's key.
    public static let unknownError = ErrorMessage(
        "unknown",
        problem: (vi: "Lệnh không chạy được", en: "The command could not run"),
        remedy: (vi: "Đọc chi tiết bên dưới; chạy lại với GREENLANE_DEBUG=1 và gửi kết quả cho bộ phận kỹ thuật.",
                 en: "Read the detail below; run again with GREENLANE_DEBUG=1 and send the output to support."))

    public static let errors: [ErrorMessage] = [
        // Trust files and revocation lists.
        .init("VerifierDomain.unreadableFile",
              problem: (vi: "Không đọc được tệp của chốt (tệp tin cậy hoặc danh sách thu hồi)",
                        en: "A checkpoint file (trust file or revocation list) cannot be read"),
              remedy: (
                  vi: "Kiểm tra đường dẫn sau --trust hoặc --revocations và chép lại tệp từ USB của đơn vị.",
                  en: "Check the path after --trust or --revocations and copy the file again from the unit's "
                      + "USB stick.")),
        .init("VerifierDomain.invalidTrustFile",
              problem: (
                  vi: "Tệp tin cậy bị hỏng hoặc sai định dạng",
                  en: "The trust file is damaged or not in the right format"),
              remedy: (
                  vi: "Lấy lại tệp tin cậy từ đơn vị cấp thẻ; không sửa tay.",
                  en: "Get the trust file again from the issuing office; do not edit it by hand.")),
        .init("VerifierDomain.keyIDMismatch",
              problem: (
                  vi: "Tệp tin cậy có mã khóa (kid) không khớp với khóa",
                  en: "A kid in the trust file does not match its key"),
              remedy: (vi: "Tệp tin cậy đã bị sửa: lấy lại bản gốc từ đơn vị cấp thẻ.",
                       en: "The trust file was altered: get the original from the issuing office.")),
        .init("VerifierDomain.duplicateKeyID",
              problem: (vi: "Tệp tin cậy liệt kê một khóa hai lần", en: "The trust file lists a key twice"),
              remedy: (
                  vi: "Lấy lại tệp tin cậy từ đơn vị cấp thẻ.",
                  en: "Get the trust file again from the issuing office.")),
        .init("VerifierDomain.demoKeyNotFlagged",
              problem: (vi: "Tệp tin cậy coi khóa thử nghiệm công khai là khóa thật",
                        en: "The trust file lists a public demo key as a real key"),
              remedy: (vi: "Dùng tệp tin cậy của đơn vị cấp thẻ; khóa thử nghiệm phải có \"demo\": true.",
                       en: "Use the issuing office's trust file; a demo key must carry \"demo\": true.")),
        .init("VerifierDomain.emptyTrustSet",
              problem: (vi: "Tệp tin cậy không có khóa nào", en: "The trust file lists no keys"),
              remedy: (
                  vi: "Lấy lại tệp tin cậy từ đơn vị cấp thẻ.",
                  en: "Get the trust file again from the issuing office.")),
        .init("VerifierDomain.invalidRevocationList",
              problem: (vi: "Danh sách thu hồi bị hỏng", en: "The revocation list is damaged"),
              remedy: (vi: "Tải lại danh sách thu hồi mới nhất từ đơn vị cấp thẻ.",
                       en: "Download the latest revocation list again from the issuing office.")),
        .init("VerifierDomain.revocationListNotTrusted",
              problem: (
                  vi: "Danh sách thu hồi không do khóa tin cậy ký",
                  en: "The revocation list is not signed by a trusted key"),
              remedy: (vi: "Dùng danh sách thu hồi và tệp tin cậy của cùng một đơn vị cấp thẻ.",
                       en: "Use the revocation list and the trust file of the same issuing office.")),
        .init("VerifierDomain.revocationListRollback",
              problem: (
                  vi: "Danh sách thu hồi cũ hơn danh sách chốt đã dùng",
                  en: "The revocation list is older than one this checkpoint has used"),
              remedy: (vi: "Không dùng danh sách cũ: tải danh sách mới nhất từ đơn vị cấp thẻ.",
                       en: "Do not use the older list: download the latest one from the issuing office.")),
        .init("VerifierDomain.revocationListsOneSigner",
              problem: (
                  vi: "Hai danh sách thu hồi của cùng một khóa ký",
                  en: "Two revocation lists from the same signing key"),
              remedy: (vi: "Chỉ giữ danh sách mới nhất của mỗi đơn vị trong thư mục.",
                       en: "Keep only each issuer's latest list in the folder.")),
        .init("VerifierDomain.stateFile",
              problem: (
                  vi: "Không dùng được tệp trạng thái của chốt",
                  en: "The checkpoint's state file cannot be used"),
              remedy: (vi: "Kiểm tra đường dẫn sau --state (hoặc GREENLANE_VERIFIER_STATE) và quyền ghi.",
                       en: "Check the path after --state (or GREENLANE_VERIFIER_STATE) and write permission.")),
        .init("VerifierDomain.revocationListBadSignature",
              problem: (vi: "Chữ ký của danh sách thu hồi sai", en: "The revocation list's signature is not valid"),
              remedy: (vi: "Danh sách có thể đã bị sửa: tải lại bản gốc từ đơn vị cấp thẻ.",
                       en: "The list may have been altered: download the original again from the issuing office.")),
        // Files.
        .init("FileDomain.unreadable",
              problem: (vi: "Không đọc được tệp", en: "A file cannot be read"),
              remedy: (
                  vi: "Kiểm tra đường dẫn, tên tệp và quyền đọc.",
                  en: "Check the path, the file name and read permission.")),
        .init("FileDomain.tooLarge",
              problem: (vi: "Tệp quá lớn", en: "A file is too large"),
              remedy: (vi: "Kiểm tra xem có chọn nhầm tệp không.", en: "Check that the right file was given.")),
        .init("FileDomain.insecurePermissions",
              problem: (
                  vi: "Tệp bí mật (khóa, mật khẩu) để người khác đọc được",
                  en: "A secret file (key, passphrase) is readable by others"),
              remedy: (
                  vi: "Chạy chmod 600 với tệp đó, rồi chạy lại.",
                  en: "Run chmod 600 on that file, then run again.")),
        .init("FileDomain.exists",
              problem: (
                  vi: "Tệp đã có; lệnh không ghi đè",
                  en: "The file already exists; the command never overwrites it"),
              remedy: (vi: "Chọn tên hoặc thư mục khác.", en: "Choose another name or folder.")),
        .init("FileDomain.noFolder",
              problem: (vi: "Thư mục để ghi không có", en: "The folder to write into does not exist"),
              remedy: (vi: "Tạo thư mục đó hoặc chọn thư mục khác.", en: "Create that folder or choose another one.")),
        .init("FileDomain.unwritable",
              problem: (
                  vi: "Không ghi được tệp (đầy đĩa hoặc lỗi đĩa)",
                  en: "A file cannot be written (disk full or a disk error)"),
              remedy: (vi: "Giải phóng chỗ trống trên đĩa hoặc chọn nơi khác, rồi chạy lại.",
                       en: "Free some disk space or choose another place, then run again.")),
        // Keys.
        .init("CryptoDomain.keyGeneration",
              problem: (vi: "Không tạo được khóa", en: "The key could not be generated"),
              remedy: (
                  vi: "Chạy lại; nếu vẫn lỗi, báo bộ phận kỹ thuật.",
                  en: "Run again; if it fails again, tell support.")),
        .init("CryptoDomain.invalidKey",
              problem: (vi: "Khóa không hợp lệ", en: "The key is not valid"),
              remedy: (
                  vi: "Kiểm tra tệp khóa; lấy lại từ bản sao lưu.",
                  en: "Check the key file; restore it from the backup.")),
        .init("CryptoDomain.unsupportedKeyType",
              problem: (vi: "Loại khóa không được hỗ trợ", en: "The key type is not supported"),
              remedy: (
                  vi: "Dùng khóa ES256 (P-256) hoặc EdDSA (Ed25519).",
                  en: "Use an ES256 (P-256) or EdDSA (Ed25519) key.")),
        .init("CryptoDomain.notAPrivateKey",
              problem: (vi: "Tệp không phải khóa bí mật", en: "The file is not a private key"),
              remedy: (
                  vi: "Chọn tệp .key.pem, không phải .pub.pem.",
                  en: "Give the .key.pem file, not the .pub.pem one.")),
        .init("CryptoDomain.passphraseRequired",
              problem: (vi: "Khóa được mã hóa cần mật khẩu", en: "The encrypted key needs its passphrase"),
              remedy: (
                  vi: "Thêm --passphrase-file hoặc --passphrase-env.",
                  en: "Add --passphrase-file or --passphrase-env.")),
        .init("CryptoDomain.wrongPassphrase",
              problem: (vi: "Mật khẩu của khóa sai", en: "The key's passphrase is wrong"),
              remedy: (
                  vi: "Kiểm tra tệp hoặc biến môi trường chứa mật khẩu.",
                  en: "Check the file or variable that holds the passphrase.")),
        .init("CryptoDomain.invalidPassphrase",
              problem: (vi: "Mật khẩu không dùng được", en: "The passphrase cannot be used"),
              remedy: (vi: "Dùng mật khẩu một dòng, không rỗng.", en: "Use a passphrase of one non-empty line.")),
        .init("CryptoDomain.malformedPEM",
              problem: (vi: "Tệp khóa hỏng (PEM sai)", en: "The key file is damaged (bad PEM)"),
              remedy: (vi: "Lấy lại tệp khóa từ bản sao lưu.", en: "Restore the key file from the backup.")),
        .init("CryptoDomain.truncatedPEM",
              problem: (vi: "Tệp khóa bị cắt cụt", en: "The key file is cut short"),
              remedy: (vi: "Chép lại toàn bộ tệp khóa.", en: "Copy the whole key file again.")),
        .init("CryptoDomain.insecureKeyFile",
              problem: (vi: "Tệp khóa để người khác đọc được", en: "The key file is readable by others"),
              remedy: (vi: "Chạy chmod 600 với tệp khóa.", en: "Run chmod 600 on the key file.")),
        .init("CryptoDomain.fileUnreadable",
              problem: (vi: "Không đọc được tệp khóa", en: "The key file cannot be read"),
              remedy: (
                  vi: "Kiểm tra đường dẫn sau --key và quyền đọc.",
                  en: "Check the path after --key and read permission.")),
        .init("CryptoDomain.fileUnwritable",
              problem: (vi: "Không ghi được tệp khóa", en: "The key file cannot be written"),
              remedy: (
                  vi: "Kiểm tra chỗ trống và quyền ghi của thư mục.",
                  en: "Check the folder's free space and write permission.")),
        .init("CryptoDomain.fileExists",
              problem: (vi: "Tệp khóa đã có; không ghi đè", en: "The key file exists; it is never overwritten"),
              remedy: (vi: "Chọn --name hoặc --out khác.", en: "Choose another --name or --out.")),
        .init("CryptoDomain.signingFailed",
              problem: (vi: "Không ký được", en: "Signing failed"),
              remedy: (
                  vi: "Chạy lại; nếu vẫn lỗi, báo bộ phận kỹ thuật.",
                  en: "Run again; if it fails again, tell support.")),
        .init("CryptoDomain.certificate",
              problem: (
                  vi: "Chứng thư trong tệp tin cậy không dùng được",
                  en: "A certificate in the trust file cannot be used"),
              remedy: (
                  vi: "Lấy lại tệp tin cậy từ đơn vị cấp thẻ.",
                  en: "Get the trust file again from the issuing office.")),
        // The command itself.
        .init("CommandDomain.input",
              problem: (
                  vi: "Thông tin đưa cho lệnh không dùng được",
                  en: "Something given to the command cannot be used"),
              remedy: (vi: "Đọc chi tiết bên dưới và sửa tham số.", en: "Read the detail below and fix the argument.")),
        .init("CommandDomain.missing",
              problem: (
                  vi: "Bản greenlane này thiếu phần cần thiết",
                  en: "This build of greenlane lacks what the command needs"),
              remedy: (vi: "Cài greenlane-office cạnh greenlane, hoặc nhập mã bằng tay.",
                       en: "Install greenlane-office next to greenlane, or type the code in.")),
        // Photos and scans (verify --image).
        .init("QRDomain.notAPNG",
              problem: (vi: "Tệp ảnh không phải PNG", en: "The image is not a PNG"),
              remedy: (vi: "Chụp lại hoặc lưu ảnh dưới dạng PNG.", en: "Take the photo again or save it as PNG.")),
        .init("QRDomain.corruptPNG",
              problem: (vi: "Tệp ảnh PNG bị hỏng", en: "The PNG image is damaged"),
              remedy: (vi: "Chụp lại mã QR.", en: "Take the photo of the QR code again.")),
        .init("QRDomain.imageTooLarge",
              problem: (vi: "Ảnh quá lớn", en: "The image is too large"),
              remedy: (vi: "Chụp gần hơn hoặc thu nhỏ ảnh.", en: "Take it closer or make the image smaller.")),
        .init("QRDomain.unreadableFile",
              problem: (vi: "Không đọc được tệp ảnh", en: "The image file cannot be read"),
              remedy: (vi: "Kiểm tra đường dẫn sau --image.", en: "Check the path after --image.")),
        .init("QRDomain.noCodeFound",
              problem: (vi: "Không thấy mã QR trong ảnh", en: "No QR code found in the image"),
              remedy: (vi: "Chụp lại cho rõ, đủ sáng, cả mã nằm trong khung.",
                       en: "Take a sharper, brighter photo with the whole code in the frame.")),
        .init("QRDomain.scanFailed",
              problem: (vi: "Không quét được ảnh", en: "The image could not be scanned"),
              remedy: (vi: "Kiểm tra thư viện zbar đã cài; nếu không, nhập mã bằng tay.",
                       en: "Check that the zbar library is installed; otherwise type the code in.")),
    ]

    /// The entry for an error's `catalogueKey`, or `unknownError`.
    public static func error(for key: String?) -> ErrorMessage {
        guard let key else { return unknownError }
        return errors.first { $0.key == key } ?? unknownError
    }

    /// Every message, for the catalogue test.
    public static var all: [Message] {
        [
            valid, validAgeing, notValid, cannotRead, notGreenlaneCode, cannotConfirm, demo,
            cannotReadHint, notGreenlaneHint, demoHint, cannotConfirmHint, authorityInstruction,
            cannotConfirmDefaultInstruction, demoNote,
            reasons, notes, signedBy, signedButNotValid, notVerified, endOfNotVerified, checkedAt, inspectNotVerified,
            plate, vehicle, firm, driver, driverValue, zones, purpose, hours, hoursValue, validity, serial, serialValue,
            issuer,
            malformedPrefix, malformedBase45, malformedZlib, malformedCBOR, malformedCOSE, malformedClaims,
            nonCanonicalCompression, unknownKeyID, algorithmNotAllowed, algorithmMismatch, nonCanonicalSignature,
            badSignature, keyNotValid, keyLifetimeTooLong, keyLifetimeSignedEarly, keyLifetimePastKeyEnd, keyRole,
            issuerMismatch, notYetValid, expired, wrongZone, outsideTimeWindow, revoked,
            demoKeyReason, allOfHanoi,
            staleRevocationList, ageingRevocationList, revocationListFromFuture, revocationListOtherIssuer,
            revocationListDemoSigned, noRevocationList, revocationCheckWaived, zoneNotChecked, clockBehind,
            errorPrefix, remedyPrefix, detailPrefix,
        ] + ([unknownError] + errors).flatMap { [$0.problem, $0.remedy] }
    }
}
