public import GreenlaneSupport
public import GreenlaneFormat
public import GreenlaneStore
public import Foundation

/// The rules of the order the passes serve, read from a JSON file (see docs/POLICY.md and
/// Samples/policy.json). The engine never issues a pass that outlives the order, the driver's
/// negative test, or the policy's maximum validity.
public struct Policy: Sendable {
    public struct Order: Sendable {
        public var name: String
        public var number: String
        public var start: Int64
        public var end: Int64
    }

    public var order: Order
    public var issuer: String
    /// The station that issues by default (`registry init` without `--station`) and its serial prefix.
    public var station: String
    public var serialPrefix: String
    /// Every station of the issuer with its serial prefix, the default one included. Prefixes are distinct, so
    /// two stations never write one serial (docs/POLICY.md, "Serials").
    public var stations: [String: String]
    /// Longest validity of one pass, in seconds.
    public var maxValidity: Int64
    /// How recent the driver's negative COVID-19 test must be, in seconds (72 hours in 2021).
    public var testMaxAge: Int64
    public var purposesByFirmKind: [Firm.Kind: Set<Purpose>]
    public var zonesByPurpose: [Purpose: Zones]
    /// Daily windows by vehicle class; a class not listed may drive all day.
    public var windowsByClass: [VehicleClass: DailyWindow]
    /// The sectors (firm kinds) whose firms' requests wait for their sector department's endorsement before
    /// approval (the issuing service, docs/SERVICE.md); empty when the file names none.
    public var sectorsNeedingEndorsement: Set<Firm.Kind>
    /// The rules by which the service approves a request without an officer (`ApprovalRule`); none by default.
    public var approvalRules: Set<ApprovalRule>

    /// The JSON shape of a policy file.
    struct File: Decodable {
        struct OrderFile: Decodable {
            var name: String
            var number: String
            var start: String
            var end: String
        }
        var format: String
        var order: OrderFile
        var issuer: String
        var station: String
        var serialPrefix: String
        var stations: [String: String]?
        var maxValidityDays: Int
        var testMaxAgeHours: Int
        var purposesByFirmKind: [String: [String]]
        var zonesByPurpose: [String: String]
        var windowsByVehicleClass: [String: String]
        var sectorsNeedingEndorsement: [String]?
        var approvalRules: [String]?
    }

    public static let formatName = "greenlane-policy/1"

    public static func load(path: String) throws(EngineError) -> Policy {
        let bytes: [UInt8]
        do {
            bytes = try FileReader.read(path, what: "policy", limit: Limits.policyFileBytes)
        } catch {
            throw EngineError(.policy, error.reason, underlying: error)
        }
        do {
            return try Policy(json: Data(bytes))
        } catch {
            throw error.prefixed("policy \(path): ")
        }
    }

    /// The members a policy file may have; any other is refused (a typo must not be read as a default).
    static let knownMembers: Set<String> = [
        "format", "order", "issuer", "station", "serialPrefix", "stations", "maxValidityDays", "testMaxAgeHours",
        "purposesByFirmKind", "zonesByPurpose", "windowsByVehicleClass", "sectorsNeedingEndorsement",
        "approvalRules",
    ]
    static let knownOrderMembers: Set<String> = ["name", "number", "start", "end"]

    /// The serial prefix of `station`, or nil when the policy does not list it.
    public func serialPrefix(forStation station: String) -> String? { stations[station] }

    public init(json data: Data) throws(EngineError) {
        // Strict first: duplicate members and unknown members are refused, naming them.
        let tree: StrictJSON
        do {
            tree = try StrictJSON.parse(Array(data))
        } catch {
            throw EngineError(.policy, "not a valid policy file: \(error.description)")
        }
        let unknown = tree.unknownMembers(Policy.knownMembers, at: "")
            + (tree["order"]?.unknownMembers(Policy.knownOrderMembers, at: "order") ?? [])
        if let first = unknown.first {
            throw EngineError(.policy, "unknown member '\(first)' (a policy has only: "
                + Policy.knownMembers.sorted().joined(separator: ", ") + ")")
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw EngineError(.policy, "not a valid policy file: \(DecodingErrorText.describe(error))", underlying: error)
        }
        guard file.format == Policy.formatName else {
            throw EngineError(.policy, "format is '\(file.format)'; this version reads '\(Policy.formatName)'")
        }
        func time(_ text: String, _ field: String) throws(EngineError) -> Int64 {
            guard let value = Timestamp.parse(text) else {
                throw EngineError(.policy, "order.\(field) '\(text)' is not an RFC 3339 time")
            }
            return value
        }
        order = Order(name: file.order.name, number: file.order.number, start: try time(file.order.start, "start"),
                      end: try time(file.order.end, "end"))
        guard order.start < order.end else { throw EngineError(.policy, "order.start is not before order.end") }
        issuer = file.issuer
        station = file.station
        serialPrefix = file.serialPrefix
        guard Limits.issuer.contains(issuer.utf8.count),
            issuer.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F })
        else {
            throw EngineError(
                .policy, "issuer must be \(Limits.issuer.lowerBound)-\(Limits.issuer.upperBound) printable ASCII "
                    + "characters without spaces (e.g. VN-HN)")
        }
        var stations = file.stations ?? [:]
        if let listed = stations[station], listed != serialPrefix {
            throw EngineError(.policy, "stations.\(station) is '\(listed)' but serialPrefix is '\(serialPrefix)'")
        }
        stations[station] = serialPrefix
        var owners: [String: String] = [:]
        for (id, prefix) in stations.sorted(by: { $0.key < $1.key }) {
            do {
                try Permit.checkIdentifier(id, "station", limit: Limits.station)
            } catch {
                throw EngineError(.policy, error.reason)
            }
            guard Limits.serialPrefix.contains(prefix.utf8.count),
                prefix.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) })
            else {
                throw EngineError(.policy, "serial prefix '\(prefix)' of station \(id) must be \(Limits.serialPrefix.lowerBound)-\(Limits.serialPrefix.upperBound) of A-Z and 0-9 (no dash)")
            }
            if let other = owners[prefix] {
                throw EngineError(.policy, "stations \(other) and \(id) both have serial prefix \(prefix): their serials would collide")
            }
            owners[prefix] = id
        }
        self.stations = stations
        guard (1...90).contains(file.maxValidityDays) else {
            throw EngineError(.policy, "maxValidityDays must be 1 to 90")
        }
        guard (1...720).contains(file.testMaxAgeHours) else {
            throw EngineError(.policy, "testMaxAgeHours must be 1 to 720")
        }
        maxValidity = Int64(file.maxValidityDays) * 86_400
        testMaxAge = Int64(file.testMaxAgeHours) * 3_600
        var purposes: [Firm.Kind: Set<Purpose>] = [:]
        for (kind, names) in file.purposesByFirmKind {
            guard let kind = Firm.Kind(rawValue: kind) else {
                throw EngineError(.policy, "purposesByFirmKind: unknown firm kind '\(kind)' (postal, telecom)")
            }
            purposes[kind] = Set(try names.map { name throws(EngineError) in try Policy.purpose(name) })
        }
        purposesByFirmKind = purposes
        var zones: [Purpose: Zones] = [:]
        for (name, text) in file.zonesByPurpose {
            do {
                zones[try Policy.purpose(name)] = try Zones(parsing: text)
            } catch let error as FormatError {
                throw EngineError(.policy, "zonesByPurpose.\(name): \(error.reason)")
            } catch {
                throw error as! EngineError
            }
        }
        zonesByPurpose = zones
        var windows: [VehicleClass: DailyWindow] = [:]
        for (name, text) in file.windowsByVehicleClass {
            guard let vehicleClass = VehicleClass(slug: name) else {
                throw EngineError(.policy, "windowsByVehicleClass: unknown vehicle class '\(name)'")
            }
            do {
                windows[vehicleClass] = try DailyWindow(parsing: text)
            } catch {
                throw EngineError(.policy, "windowsByVehicleClass.\(name): \(error.reason)")
            }
        }
        windowsByClass = windows
        sectorsNeedingEndorsement = Set(try (file.sectorsNeedingEndorsement ?? []).map { name throws(EngineError) in
            guard let kind = Firm.Kind(rawValue: name) else {
                throw EngineError(.policy, "sectorsNeedingEndorsement: unknown sector '\(name)' (postal, telecom)")
            }
            return kind
        })
        approvalRules = Set(try (file.approvalRules ?? []).map { name throws(EngineError) in
            guard let rule = ApprovalRule(rawValue: name) else {
                let known = ApprovalRule.allCases.map(\.rawValue).joined(separator: ", ")
                throw EngineError(.policy, "approvalRules: unknown rule '\(name)' (\(known))")
            }
            return rule
        })
    }

    static func purpose(_ name: String) throws(EngineError) -> Purpose {
        guard let purpose = Purpose(slug: name) else {
            let known = Purpose.allCases.map(\.slug).joined(separator: ", ")
            throw EngineError(.policy, "unknown purpose '\(name)' (\(known))")
        }
        return purpose
    }
}
