/// The issuing service's reason codes in Vietnamese and English: why a row of a request was refused (the
/// engine's policy codes, the registry's), and why an endorser or officer refused a whole request. The service
/// answers `{code, vi, en}` (or `{code, text}` in the language asked for); codes are never renamed or reused.
/// The service's test checks that every code the engine and the service can give has both texts here.
public enum RequestReasons {
    /// Text per code. A code at issue time (`registry.` + a code) reuses the code's text after `atIssue`.
    public static let byCode: [String: Message] = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })

    /// Prefixes the text of a row the registry's rules refused when the approved request was issued.
    public static let atIssue = Message("reason.at-issue", vi: "Khi cấp thẻ: {1}", en: "When issuing: {1}")

    /// The message for `code`, or nil when this version has no text for it.
    public static func message(_ code: String) -> Message? {
        if let message = byCode[code] { return message }
        if code.hasPrefix("registry."), let base = byCode[String(code.dropFirst("registry.".count))] {
            return Message(code, vi: atIssue.text(.vi, base.vi), en: atIssue.text(.en, base.en))
        }
        return nil
    }

    public static let all: [Message] = rows + registry + refusals

    /// The engine's policy codes (`RequestRefusal.policyCodes`).
    static let rows: [Message] = [
        Message("firm.suspended", vi: "Doanh nghiệp đang bị đình chỉ: không cấp thẻ mới",
                en: "The firm is suspended: no new passes"),
        Message("firm.unknown", vi: "Doanh nghiệp chưa được đăng ký", en: "The firm is not registered"),
        Message("vehicleClass.unknown", vi: "Loại xe không hợp lệ", en: "Unknown vehicle class"),
        Message("plate.invalid", vi: "Biển số không đúng định dạng", en: "The plate is not a valid plate"),
        Message("driverName.invalid", vi: "Tên lái xe không hợp lệ", en: "The driver's name is not valid"),
        Message("driverID.invalid", vi: "Số CCCD của lái xe không hợp lệ (12 chữ số)",
                en: "The driver's citizen ID is not valid (12 digits)"),
        Message("purpose.unknown", vi: "Mục đích không hợp lệ", en: "Unknown purpose"),
        Message("purpose.notForFirm", vi: "Loại doanh nghiệp này không được cấp thẻ cho mục đích đó",
                en: "This kind of firm may not request passes for that purpose"),
        Message("zones.invalid", vi: "Khu vực không hợp lệ", en: "The zones are not valid"),
        Message("zones.closed", vi: "Có khu vực không mở cho mục đích này",
                en: "Some zones are not open to this purpose"),
        Message("test.missing", vi: "Thiếu ngày xét nghiệm âm tính COVID-19 của lái xe",
                en: "The driver's negative COVID-19 test date is missing"),
        Message("test.future", vi: "Ngày xét nghiệm ở tương lai", en: "The test date is in the future"),
        Message("test.tooOld", vi: "Kết quả xét nghiệm đã quá hạn", en: "The test is too old"),
        Message("test.invalid", vi: "Ngày xét nghiệm không đúng định dạng", en: "The test date is not a date"),
        Message("validFrom.invalid", vi: "Ngày bắt đầu hiệu lực không đúng định dạng",
                en: "The valid-from date is not a date"),
        Message("validUntil.invalid", vi: "Ngày hết hiệu lực không đúng định dạng",
                en: "The valid-until date is not a date"),
        Message("order.ended", vi: "Chỉ thị đã hết hiệu lực: không cấp thẻ mới",
                en: "The order has ended: no new passes"),
        Message("validity.none", vi: "Thẻ sẽ không còn ngày hiệu lực nào", en: "The pass would have no validity left"),
    ]

    /// The registry's answers at submission, and a refusal at issue that came with text only.
    static let registry: [Message] = [
        Message("vehicle.livePass", vi: "Xe đã có thẻ còn hiệu lực", en: "The vehicle already has a live pass"),
        Message("vehicle.otherFirm", vi: "Xe thuộc doanh nghiệp khác", en: "The vehicle belongs to another firm"),
        Message("vehicle.duplicateInRequest", vi: "Xe xuất hiện hai lần trong cùng yêu cầu",
                en: "The vehicle is in this request twice"),
        Message("refused", vi: "Sổ đăng ký từ chối dòng này", en: "The registry refused this row"),
    ]

    /// Why an endorser or officer refused a whole request (`ServiceDecision.refusalCodes`).
    static let refusals: [Message] = [
        Message("refusal.notEssential", vi: "Hoạt động không thuộc diện thiết yếu",
                en: "The activity is not essential"),
        Message("refusal.documentsMissing", vi: "Thiếu giấy tờ kèm theo", en: "Supporting documents are missing"),
        Message("refusal.documentsInvalid", vi: "Giấy tờ kèm theo không hợp lệ",
                en: "Supporting documents are not valid"),
        Message("refusal.duplicate", vi: "Trùng với yêu cầu đã nộp", en: "Duplicates a request already made"),
        Message("refusal.firmNotEligible", vi: "Doanh nghiệp không thuộc diện được cấp thẻ",
                en: "The firm is not eligible for passes"),
        Message("refusal.quotaReached", vi: "Doanh nghiệp đã đủ số thẻ được cấp",
                en: "The firm has reached its number of passes"),
        Message("refusal.sectorObjects", vi: "Sở quản lý ngành không xác nhận",
                en: "The sector's department does not endorse it"),
        Message("refusal.other", vi: "Lý do khác (xem ghi chú)", en: "Another reason (see the note)"),
    ]
}
