/// Bounds on what `CBOR.decode` will build from untrusted bytes.
public struct CBORLimits: Sendable {
    /// Nesting depth: a top-level item is at depth 1, an array element, map key or value or tag content one
    /// deeper than its container. Bounds the decoder's recursion, so hostile input cannot overflow the stack.
    public var maxDepth: Int
    /// Items in total, the top-level item included: every array element, map key and map value, tag content.
    public var maxItems: Int

    public init(maxDepth: Int = 16, maxItems: Int = 4096) {
        self.maxDepth = maxDepth
        self.maxItems = maxItems
    }

    public static let `default` = CBORLimits()
}

public enum CBORDecodingMode: Sendable {
    /// Reject anything that is not in core deterministic form: indefinite lengths, non-shortest arguments,
    /// non-shortest floats, unsorted map keys; plus (all modes) duplicate keys, invalid UTF-8, reserved
    /// additional-info values 28-30, simple values 24-31 encoded with 0xf8 (RFC 8949 3.3), a lone break.
    case deterministic
    /// Any well-formed RFC 8949 item, including indefinite-length strings/arrays/maps (chunks concatenated)
    /// and non-shortest encodings; still rejects duplicate map keys, invalid UTF-8, reserved values.
    case wellFormed
}
