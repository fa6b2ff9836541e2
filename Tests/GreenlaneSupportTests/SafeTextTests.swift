import GreenlaneSupport
import Testing

/// `isUnsafe` answers ASCII without Unicode's tables; for every ASCII scalar it must agree with them.
@Test func theASCIIShortcutOfIsUnsafeAgreesWithUnicodesGeneralCategories() throws {
    let unsafe: [Unicode.GeneralCategory] = [
        .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate, .unassigned,
    ]
    for value in 0..<0x80 {
        let scalar = try #require(Unicode.Scalar(UInt32(value)))
        #expect(SafeText.isUnsafe(scalar) == unsafe.contains(scalar.properties.generalCategory), "U+\(value)")
    }
    #expect(SafeText.isUnsafe("\u{202E}"))  // beyond ASCII the tables still decide: RIGHT-TO-LEFT OVERRIDE
    #expect(!SafeText.isUnsafe("ễ"))
}
