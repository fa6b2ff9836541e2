/// How many alphanumeric characters fit a QR symbol at error-correction level M (ISO/IEC 18004, table 7).
///
/// A pass code is all alphanumeric (`GL1:` and base45 use only the QR alphanumeric set), so this tells
/// which symbol version a code needs. Level M restores up to 15% damage: enough for a phone screen
/// or a creased printout at a checkpoint.
public enum QRCapacity {
    public static let alphanumericLevelM: [Int] = [
        20, 38, 61, 90, 122, 154, 178, 221, 262, 311,
        366, 419, 483, 528, 600, 656, 734, 816, 909, 970,
        1035, 1134, 1248, 1326, 1451, 1542, 1637, 1732, 1839, 1994,
        2113, 2238, 2369, 2506, 2632, 2780, 2894, 3054, 3220, 3391,
    ]

    /// The smallest version (1-40) that holds `alphanumericCount` characters at level M, or nil.
    public static func version(alphanumericCount: Int) -> Int? {
        alphanumericLevelM.firstIndex { $0 >= alphanumericCount }.map { $0 + 1 }
    }
}
