/// The hours of the day, in Vietnam time (UTC+7, no daylight saving since 1975), when a pass is valid.
///
/// Minutes after local midnight; `end` is exclusive. A window whose end is before its start crosses
/// midnight (22:00-05:00).
public struct DailyWindow: Hashable, Sendable, CustomStringConvertible {
    public let startMinute: Int
    public let endMinute: Int

    /// Vietnam's offset from UTC, in seconds. Fixed: Vietnam has had no daylight saving time since 1975.
    public static let vietnamOffsetSeconds: Int64 = 7 * 3600

    public init(startMinute: Int, endMinute: Int) throws(FormatError) {
        guard (0..<1440).contains(startMinute), (0...1440).contains(endMinute), startMinute != endMinute else {
            throw FormatError(
                .invalidValue, layer: .claims,
                "daily window \(startMinute)-\(endMinute): minutes must be within a day and start must differ from end")
        }
        self.startMinute = startMinute
        self.endMinute = endMinute
    }

    /// Parses `08:00-16:00`.
    public init(parsing text: String) throws(FormatError) {
        let parts = text.trimmingSpaces.split(separator: "-")
        guard parts.count == 2, let start = Self.minutes(parts[0]), let end = Self.minutes(parts[1]) else {
            throw FormatError(.invalidValue, layer: .claims, "daily window '\(text)' must look like 08:00-16:00")
        }
        try self.init(startMinute: start, endMinute: end)
    }

    private static func minutes(_ text: Substring) -> Int? {
        let parts = text.trimmingSpaces.split(separator: ":")
        guard parts.count == 2, parts[0].count <= 2, parts[1].count == 2,
            let hour = Int(parts[0]), let minute = Int(parts[1]),
            (0...24).contains(hour), (0..<60).contains(minute), hour * 60 + minute <= 1440
        else { return nil }
        return hour * 60 + minute
    }

    /// Whether the instant (unix seconds) falls inside the window, in Vietnam time.
    public func contains(unixTime: Int64) -> Bool {
        // Reduced to a day first, so no instant (Int64.max included) can overflow.
        let local = unixTime % 86_400 + Self.vietnamOffsetSeconds
        let minute = Int(((local % 86_400) + 86_400) % 86_400 / 60)
        if startMinute < endMinute {
            return minute >= startMinute && minute < endMinute
        }
        return minute >= startMinute || minute < endMinute
    }

    public var description: String { Self.format(startMinute) + "-" + Self.format(endMinute) }

    private static func format(_ minutes: Int) -> String {
        let hour = minutes / 60, minute = minutes % 60
        return (hour < 10 ? "0" : "") + String(hour) + ":" + (minute < 10 ? "0" : "") + String(minute)
    }
}
