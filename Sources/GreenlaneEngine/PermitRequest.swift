import GreenlaneFormat
public import GreenlaneStore

/// A dispatcher's request for one pass, as typed: from command-line flags or one CSV row.
public struct PermitRequest: Sendable {
    /// Where it came from, for reports: `command line`, `requests.csv row 12`.
    public var source: String
    public var firmID: String
    public var plate: String
    public var vehicleClass: String
    public var driverName: String
    public var driverID: String
    /// When the driver's negative COVID-19 test was taken (RFC 3339, or a date meaning midnight in Vietnam).
    public var testAt: String
    public var purpose: String
    /// `all` or district slugs, comma-separated.
    public var zones: String
    public var validFrom: String?
    public var validUntil: String?
    /// For renewals: the serial of the permit this request renews (the link is the permit, never text).
    public var renews: String?

    public init(source: String, firmID: String, plate: String, vehicleClass: String, driverName: String,
                driverID: String, testAt: String, purpose: String, zones: String, validFrom: String? = nil,
                validUntil: String? = nil) {
        self.source = source
        self.firmID = firmID
        self.plate = plate
        self.vehicleClass = vehicleClass
        self.driverName = driverName
        self.driverID = driverID
        self.testAt = testAt
        self.purpose = purpose
        self.zones = zones
        self.validFrom = validFrom
        self.validUntil = validUntil
    }
}

extension Policy {
    /// Checks a request against this policy and turns it into a draft, or lists every reason it cannot be
    /// issued. `firm` is nil when the firm is not registered.
    public func draft(for request: PermitRequest, firm: Firm?, now: Int64) -> Result<PermitDraft, RequestRefusal> {
        var reasons: [String] = []
        var codes: [String] = []
        func refuse(_ code: String, _ text: String) {
            codes.append(code)
            reasons.append(text)
        }
        func field<T>(_ code: String, _ body: () throws(FormatError) -> T) -> T? {
            do { return try body() } catch {
                refuse(code, error.reason)
                return nil
            }
        }
        if let firm {
            if firm.status != .active { refuse("firm.suspended", "firm \(firm.id) is suspended: no new passes") }
        } else {
            refuse("firm.unknown", "firm '\(request.firmID)' is not registered (greenlane firm add)")
        }
        let vehicleClass = VehicleClass(slug: request.vehicleClass.trimmed)
        if vehicleClass == nil {
            let known = VehicleClass.allCases.map(\.slug).joined(separator: ", ")
            refuse("vehicleClass.unknown", "vehicle class '\(request.vehicleClass)' is not one of \(known)")
        }
        let plate = vehicleClass.flatMap { vehicleClass in
            field("plate.invalid") { () throws(FormatError) in try Plate(parsing: request.plate, vehicleClass: vehicleClass) }
        }
        let driverName = Permit.normalizedName(request.driverName.trimmed)
        _ = field("driverName.invalid") { () throws(FormatError) in try Permit.checkName(driverName) }
        let driverID = field("driverID.invalid") { () throws(FormatError) in try CitizenID(parsing: request.driverID.trimmed) }
        let purpose = Purpose(slug: request.purpose.trimmed)
        if purpose == nil {
            let known = Purpose.allCases.map(\.slug).joined(separator: ", ")
            refuse("purpose.unknown", "purpose '\(request.purpose)' is not one of \(known)")
        }
        if let purpose, let firm, !(purposesByFirmKind[firm.kind]?.contains(purpose) ?? false) {
            refuse("purpose.notForFirm", "a \(firm.kind.rawValue) firm may not request passes for \(purpose.slug)")
        }
        let zones = field("zones.invalid") { () throws(FormatError) in try Zones(parsing: request.zones) }
        if let zones, let purpose {
            let open = zonesByPurpose[purpose] ?? Zones()
            let closed = zones.subtracting(open)
            if !closed.isEmpty {
                refuse("zones.closed", "zones not open to \(purpose.slug): \(closed.districts.map(\.slug).joined(separator: ","))")
            }
        }

        // Validity: the latest start, the earliest end of everything that bounds it.
        var testAt: Int64?
        if request.testAt.trimmed.isEmpty {
            refuse("test.missing", "the driver's negative COVID-19 test date is missing")
        } else if let test = Timestamp.parse(request.testAt) {
            testAt = test
            if test > now + 300 {
                refuse("test.future", "test date \(request.testAt) is in the future")
            } else if now - test > testMaxAge {
                refuse("test.tooOld", "test of \(Timestamp.rfc3339(test)) is older than \(testMaxAge / 3600) hours")
            }
        } else {
            refuse("test.invalid", "test date '\(request.testAt)' is not a date or RFC 3339 time")
        }
        var notBefore = max(now, order.start)
        if let text = request.validFrom?.trimmed, !text.isEmpty {
            if let from = Timestamp.parse(text) { notBefore = max(from, notBefore) } else {
                refuse("validFrom.invalid", "valid-from '\(text)' is not a date or RFC 3339 time")
            }
        }
        var expiresAt = min(order.end, notBefore + maxValidity, (testAt ?? now) + testMaxAge)
        if let text = request.validUntil?.trimmed, !text.isEmpty {
            if let until = Timestamp.parse(text) { expiresAt = min(expiresAt, until) } else {
                refuse("validUntil.invalid", "valid-until '\(text)' is not a date or RFC 3339 time")
            }
        }
        if now >= order.end {
            refuse("order.ended", "order \(order.number) ended at \(Timestamp.rfc3339(order.end))")
        } else if expiresAt <= notBefore, reasons.isEmpty {
            refuse("validity.none", "no validity left: the pass would end (\(Timestamp.rfc3339(expiresAt))) before it starts")
        }

        guard reasons.isEmpty, let vehicleClass, let plate, let driverID, let purpose, let zones, let testAt else {
            return .failure(RequestRefusal(source: request.source, reasons: reasons, codes: codes))
        }
        return .success(PermitDraft(
            source: request.source, firmID: request.firmID.trimmed, plate: plate, vehicleClass: vehicleClass,
            driverName: driverName, driverID: driverID, testAt: testAt, zones: zones, purpose: purpose,
            window: windowsByClass[vehicleClass], notBefore: notBefore, expiresAt: expiresAt))
    }
}

/// Every reason one request cannot be issued.
public struct RequestRefusal: Error, Sendable {
    public var source: String
    public var reasons: [String]
    /// A stable, machine-readable code per reason, in the same order (`plate.invalid`, `test.tooOld`; the
    /// service answers with these, docs/SERVICE.md); `refused` where the refusal came with text only.
    public var codes: [String]

    public init(source: String, reasons: [String], codes: [String]? = nil) {
        self.source = source
        self.reasons = reasons
        self.codes = codes ?? reasons.map { _ in "refused" }
    }

    /// Every stable code this engine gives a policy refusal.
    public static let policyCodes: Set<String> = [
        "firm.suspended", "firm.unknown", "vehicleClass.unknown", "plate.invalid", "driverName.invalid",
        "driverID.invalid", "purpose.unknown", "purpose.notForFirm", "zones.invalid", "zones.closed", "test.missing",
        "test.future", "test.tooOld", "test.invalid", "validFrom.invalid", "validUntil.invalid", "order.ended",
        "validity.none",
    ]
}

extension String {
    /// Without leading and trailing white space (Unicode's, as a spreadsheet's cell may hold).
    public var trimmed: String {
        // Most fields start and end with a printable ASCII character, which cannot be white space: a
        // character is white space by its first scalar, and printable ASCII joins a cluster only after a
        // prepended mark, never after a space. Such a field is returned as it is, without building a copy.
        if let first = utf8.first, let last = utf8.last, (0x21..<0x80).contains(first), (0x21..<0x80).contains(last) {
            return self
        }
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
