public import GreenlaneFormat

/// A permit the engine has checked against policy, waiting for the registry's rules, a serial and a signature.
public struct PermitDraft: Sendable {
    /// Where the request came from, for reports (`requests.csv row 12`).
    public var source: String
    public var firmID: String
    public var plate: Plate
    public var vehicleClass: VehicleClass
    public var driverName: String
    public var driverID: CitizenID
    public var testAt: Int64
    public var zones: Zones
    public var purpose: Purpose
    public var window: DailyWindow?
    public var notBefore: Int64
    public var expiresAt: Int64
    /// For renewals: the permit this one extends.
    public var renewedFrom: String?

    public init(
        source: String, firmID: String, plate: Plate, vehicleClass: VehicleClass, driverName: String,
        driverID: CitizenID, testAt: Int64, zones: Zones, purpose: Purpose, window: DailyWindow?, notBefore: Int64,
        expiresAt: Int64, renewedFrom: String? = nil
    ) {
        self.source = source
        self.firmID = firmID
        self.plate = plate
        self.vehicleClass = vehicleClass
        self.driverName = driverName
        self.driverID = driverID
        self.testAt = testAt
        self.zones = zones
        self.purpose = purpose
        self.window = window
        self.notBefore = notBefore
        self.expiresAt = expiresAt
        self.renewedFrom = renewedFrom
    }
}
