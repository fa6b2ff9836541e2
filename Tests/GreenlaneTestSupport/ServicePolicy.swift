public import Foundation

/// The policy the service's and the remote client's fixtures run under: an order from yesterday to 30 days on,
/// issuer VN-HN, station SGTVT, serials HN; `endorsing` names the sectors whose firms need endorsement, `rules`
/// the authority's approval rules. Written to `directory/policy.json`, whose path it returns.
public func writeServicePolicy(in directory: URL, endorsing: [String] = [], rules: [String] = []) throws -> String {
    let now = Int64(Date().timeIntervalSince1970)
    func time(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
    func list(_ names: [String]) -> String { names.map { "\"\($0)\"" }.joined(separator: ", ") }
    let policy = """
        {"format": "greenlane-policy/1",
         "order": {"name": "Test order", "number": "1/TEST", "start": "\(time(now - 86_400))",
                   "end": "\(time(now + 30 * 86_400))"},
         "issuer": "VN-HN", "station": "SGTVT", "serialPrefix": "HN", "maxValidityDays": 7, "testMaxAgeHours": 72,
         "purposesByFirmKind": {"postal": ["essential-goods", "public-postal"], "telecom": ["telecom-repair"]},
         "zonesByPurpose": {"essential-goods": "all", "public-postal": "all", "telecom-repair": "all"},
         "windowsByVehicleClass": {},
         "sectorsNeedingEndorsement": [\(list(endorsing))],
         "approvalRules": [\(list(rules))]}
        """
    let path = directory.appendingPathComponent("policy.json").path
    try policy.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}
