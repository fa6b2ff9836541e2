/// Half-precision conversions done by hand: `Float16` is unavailable on Intel Macs.
enum CBORFloat {
    /// The shortest IEEE 754 form that holds `value` exactly, as RFC 8949 4.2.1 asks; NaN as `7e00`.
    /// Returns the additional information (25, 26 or 27) and the bits, right-aligned.
    static func shortest(_ value: Double) -> (additional: UInt8, bits: UInt64) {
        if value.isNaN { return (25, 0x7E00) }
        let single = Float(value)
        guard Double(single).bitPattern == value.bitPattern else { return (27, value.bitPattern) }
        if let half = halfBits(exactly: single) { return (25, UInt64(half)) }
        return (26, UInt64(single.bitPattern))
    }

    /// The binary16 bits of `value` if it converts without loss (infinities included, NaN excluded).
    static func halfBits(exactly value: Float) -> UInt16? {
        let bits = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: bits >> 16) & 0x8000
        let exponent = Int((bits >> 23) & 0xFF)
        let mantissa = bits & 0x7F_FFFF
        if exponent == 0xFF { return mantissa == 0 ? sign | 0x7C00 : nil }
        if exponent == 0 { return mantissa == 0 ? sign : nil }  // single subnormals are far below half's range
        let unbiased = exponent - 127
        if unbiased >= -14 && unbiased <= 15 {
            guard mantissa & 0x1FFF == 0 else { return nil }
            return sign | UInt16((unbiased + 15) << 10) | UInt16(mantissa >> 13)
        }
        if unbiased >= -24 && unbiased < -14 {
            // A half subnormal counts units of 2^-24; the single's 24-bit significand must shift down losslessly.
            let significand = mantissa | 0x80_0000
            let shift = UInt32(-(unbiased + 1))
            guard significand & ((1 << shift) - 1) == 0 else { return nil }
            return sign | UInt16(significand >> shift)
        }
        return nil
    }

    static func double(halfBits bits: UInt16) -> Double {
        let exponent = Int((bits >> 10) & 0x1F)
        let mantissa = Double(bits & 0x3FF)
        let magnitude: Double
        switch exponent {
        case 0: magnitude = mantissa * 0x1p-24
        case 0x1F: magnitude = mantissa == 0 ? .infinity : .nan
        default: magnitude = (1024 + mantissa) * Double(sign: .plus, exponent: exponent - 25, significand: 1)
        }
        return bits & 0x8000 != 0 ? -magnitude : magnitude
    }
}
