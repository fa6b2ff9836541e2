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
        func field<T>(_ body: () throws(FormatError) -> T) -> T? {
            do { return try body() } catch {
                reasons.append(error.reason)
                return nil
            }
        }
        if let firm {
            if firm.status != .active { reasons.append("firm \(firm.id) is suspended: no new passes") }
        } else {
            reasons.append("firm '\(request.firmID)' is not registered (greenlane firm add)")
        }
        let vehicleClass = VehicleClass(slug: request.vehicleClass.trimmed)
        if vehicleClass == nil {
            let known = VehicleClass.allCases.map(\.slug).joined(separator: ", ")
            reasons.append("vehicle class '\(request.vehicleClass)' is not one of \(known)")
        }
        let plate = vehicleClass.flatMap { vehicleClass in
            field { () throws(FormatError) in try Plate(parsing: request.plate, vehicleClass: vehicleClass) }
        }
        let driverName = Permit.normalizedName(request.driverName.trimmed)
        _ = field { () throws(FormatError) in try Permit.checkName(driverName) }
        let driverID = field { () throws(FormatError) in try CitizenID(parsing: request.driverID.trimmed) }
        let purpose = Purpose(slug: request.purpose.trimmed)
        if purpose == nil {
            let known = Purpose.allCases.map(\.slug).joined(separator: ", ")
            reasons.append("purpose '\(request.purpose)' is not one of \(known)")
        }
        if let purpose, let firm, !(purposesByFirmKind[firm.kind]?.contains(purpose) ?? false) {
            reasons.append("a \(firm.kind.rawValue) firm may not request passes for \(purpose.slug)")
        }
        let zones = field { () throws(FormatError) in try Zones(parsing: request.zones) }
        if let zones, let purpose {
            let open = zonesByPurpose[purpose] ?? Zones()
            let closed = zones.subtracting(open)
            if !closed.isEmpty {
                reasons.append("zones not open to \(purpose.slug): \(closed.districts.map(\.slug).joined(separator: ","))")
            }
        }

        // Validity: the latest start, the earliest end of everything that bounds it.
        var testAt: Int64?
        if request.testAt.trimmed.isEmpty {
            reasons.append("the driver's negative COVID-19 test date is missing")
        } else if let test = Timestamp.parse(request.testAt) {
            testAt = test
            if test > now + 300 {
                reasons.append("test date \(request.testAt) is in the future")
            } else if now - test > testMaxAge {
                reasons.append("test of \(Timestamp.rfc3339(test)) is older than \(testMaxAge / 3600) hours")
            }
        } else {
            reasons.append("test date '\(request.testAt)' is not a date or RFC 3339 time")
        }
        var notBefore = max(now, order.start)
        if let text = request.validFrom?.trimmed, !text.isEmpty {
            if let from = Timestamp.parse(text) { notBefore = max(from, notBefore) } else {
                reasons.append("valid-from '\(text)' is not a date or RFC 3339 time")
            }
        }
        var expiresAt = min(order.end, notBefore + maxValidity, (testAt ?? now) + testMaxAge)
        if let text = request.validUntil?.trimmed, !text.isEmpty {
            if let until = Timestamp.parse(text) { expiresAt = min(expiresAt, until) } else {
                reasons.append("valid-until '\(text)' is not a date or RFC 3339 time")
            }
        }
        if now >= order.end {
            reasons.append("order \(order.number) ended at \(Timestamp.rfc3339(order.end))")
        } else if expiresAt <= notBefore, reasons.isEmpty {
            reasons.append("no validity left: the pass would end (\(Timestamp.rfc3339(expiresAt))) before it starts")
        }

        guard reasons.isEmpty, let vehicleClass, let plate, let driverID, let purpose, let zones, let testAt else {
            return .failure(RequestRefusal(source: request.source, reasons: reasons))
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

    public init(source: String, reasons: [String]) {
        self.source = source
        self.reasons = reasons
    }
}

extension String {
    /// Without leading and trailing white space (Unicode's, as a spreadsheet's cell may hold).
    public var trimmed: String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
