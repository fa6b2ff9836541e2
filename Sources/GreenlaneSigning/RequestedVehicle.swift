public import GreenlaneEngine

/// One vehicle as a dispatcher submits it, and as the store keeps it in a request row's payload (JSON). The
/// firm is never a member: it is the caller's. The server parses it from bodies; the signer rebuilds the
/// permit request from the stored payload, never from anything sent to it.
public struct VehicleRow: Codable, Sendable {
    public var plate: String
    public var vehicleClass: String
    public var driverName: String
    public var driverID: String
    public var testAt: String
    public var purpose: String
    public var zones: String
    public var validFrom: String?
    public var validUntil: String?

    public static let members: Set<String> = [
        "plate", "vehicleClass", "driverName", "driverID", "testAt", "purpose", "zones", "validFrom", "validUntil",
    ]

    public func permitRequest(firmID: String, source: String) -> PermitRequest {
        var request = PermitRequest(
            source: source, firmID: firmID, plate: plate, vehicleClass: vehicleClass, driverName: driverName,
            driverID: driverID, testAt: testAt, purpose: purpose, zones: zones, validFrom: validFrom,
            validUntil: validUntil)
        request.renews = nil
        return request
    }
}
