/// Instants as unix seconds, with the two text forms greenlane uses: RFC 3339 for files and flags,
/// and day/month/year in Vietnam time for people. No Foundation: the verifier starts faster without it.
public enum Timestamp {
    /// Parses RFC 3339 `2021-07-24T08:00:00Z` or with an offset (`+07:00`); seconds are optional.
    /// A bare date (`2021-07-24`) means midnight in Vietnam time. Returns nil for anything else.
    public static func parse(_ text: String) -> Int64? {
        let bytes = Array(text.trimmingSpaces.utf8)
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + digits] {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            index += digits
            return value
        }
        func expect(_ char: Character) -> Bool {
            guard index < bytes.count, bytes[index] == char.asciiValue else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day)
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        if index == bytes.count {
            return days * 86_400 - DailyWindow.vietnamOffsetSeconds
        }
        guard expect("T") || expect("t") || expect(" "), let hour = number(2), expect(":"), let minute = number(2),
            hour < 24, minute < 60
        else { return nil }
        var second = 0
        if expect(":") {
            guard let value = number(2), value < 60 else { return nil }
            second = value
        }
        var offset = 0
        if expect("Z") || expect("z") {
            offset = 0
        } else if index < bytes.count, bytes[index] == 0x2B || bytes[index] == 0x2D {
            let sign = bytes[index] == 0x2D ? -1 : 1
            index += 1
            guard let offsetHour = number(2), expect(":"), let offsetMinute = number(2), offsetHour < 24,
                offsetMinute < 60
            else { return nil }
            offset = sign * (offsetHour * 3600 + offsetMinute * 60)
        } else {
            return nil
        }
        guard index == bytes.count else { return nil }
        return days * 86_400 + Int64(hour * 3600 + minute * 60 + second - offset)
    }

    /// `2021-07-24T08:00:00Z`
    public static func rfc3339(_ time: Int64) -> String {
        let (year, month, day, hour, minute, second) = civil(time)
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(hour, 2) + ":" + pad(minute, 2)
            + ":" + pad(second, 2) + "Z"
    }

    /// `24/07/2021 15:00` in Vietnam time (UTC+7), as people at a checkpoint read dates.
    public static func vietnamese(_ time: Int64) -> String {
        let (year, month, day, hour, minute, _) = civil(vietnamTime(time))
        return pad(day, 2) + "/" + pad(month, 2) + "/" + pad(year, 4) + " " + pad(hour, 2) + ":" + pad(minute, 2)
    }

    /// `2021-07-24 15:00 (UTC+7)`, for English output.
    public static func english(_ time: Int64) -> String {
        let (year, month, day, hour, minute, _) = civil(vietnamTime(time))
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + " " + pad(hour, 2) + ":" + pad(minute, 2)
            + " (UTC+7)"
    }

    /// The instant shifted to Vietnam time; absurd instants (a revocation time from a list, say) clamp rather
    /// than overflow, so any Int64 can be printed.
    private static func vietnamTime(_ time: Int64) -> Int64 {
        time.saturatingAdd(DailyWindow.vietnamOffsetSeconds)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        if value < 0 { return "-" + pad(-value, width) }  // a year before 1 BC: -0001, not 00-1
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days: exact for the proleptic Gregorian calendar.
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64(month > 2 ? month - 3 : month + 9)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func civil(_ time: Int64) -> (Int, Int, Int, Int, Int, Int) {
        // Floor division and its remainder, written so that no instant (Int64.min included) overflows.
        let remainder = time % 86_400
        let days = time / 86_400 - (remainder < 0 ? 1 : 0)
        let secondOfDay = Int(remainder < 0 ? remainder + 86_400 : remainder)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = Int(doy - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        let year = Int(yoe + era * 400) + (month <= 2 ? 1 : 0)
        return (year, month, day, secondOfDay / 3600, secondOfDay % 3600 / 60, secondOfDay % 60)
    }
}

extension Int64 {
    /// Times and skews can come from outside (a checkpoint's flags, a signed list): extreme values clamp rather
    /// than trap.
    package func saturatingAdd(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }

    package func saturatingSubtract(_ other: Int64) -> Int64 {
        let (difference, overflow) = subtractingReportingOverflow(other)
        return overflow ? (other > 0 ? .min : .max) : difference
    }
}
