import GreenlaneStore
import Testing

/// The audit log's text check counts characters only when the bytes could exceed the limit: a text of many
/// bytes but few characters (Vietnamese, emoji) is still measured in characters, and an overlong one refused.
@Test func auditTextIsMeasuredInCharactersWhateverItsBytes() {
    let vietnamese = String(repeating: "ễ", count: 100)  // 300 UTF-8 bytes, 100 characters
    #expect(AuditText.problem(in: vietnamese, maxLength: 100) == nil)
    #expect(AuditText.problem(in: vietnamese + "a", maxLength: 100) == "is longer than 100 characters")
    #expect(AuditText.problem(in: String(repeating: "a", count: 101), maxLength: 100) == "is longer than 100 characters")
    #expect(AuditText.problem(in: "a\u{7F}b", maxLength: 100)?.contains("control character (U+007F)") == true)
    #expect(AuditText.problem(in: "a\nb", maxLength: 100)?.contains("line break") == true)
}
