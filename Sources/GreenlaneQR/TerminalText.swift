extension QRCode {
    /// The symbol for a terminal using Unicode half blocks (`▀ ▄ █` and space), two module rows per line,
    /// with a quiet zone of `quietZone` modules (negative counts as 0). Every line has the same number of
    /// characters and ends with a newline.
    ///
    /// Convention: block characters are drawn in the terminal's foreground colour, spaces show its background.
    /// Most terminals are light text on a dark background, so by default **light** modules (and the quiet
    /// zone) are drawn as blocks and dark modules as spaces: the symbol then appears dark-on-light, which is
    /// what phones and zbar scan (the same choice as `qrencode -t UTF8`). For a light-background terminal
    /// pass `invert: true`: dark modules become blocks (like `qrencode -t UTF8i`).
    /// When the height is odd, the lower half of the last line lies outside the symbol and is left as
    /// background.
    public func terminalText(quietZone: Int = 2, invert: Bool = false) -> String {
        let quiet = max(0, min(quietZone, 1_000))
        let side = size + 2 * quiet
        // Whether the cell is drawn in the foreground colour; rows past the bottom are never drawn.
        func drawn(_ column: Int, _ row: Int) -> Bool {
            guard row < side else { return false }
            return isDark(x: column - quiet, y: row - quiet) == invert
        }
        var text = ""
        text.reserveCapacity((side + 1) * (side + 1) / 2 * 3)
        for top in stride(from: 0, to: side, by: 2) {
            for column in 0..<side {
                switch (drawn(column, top), drawn(column, top + 1)) {
                case (true, true): text += "█"
                case (true, false): text += "▀"
                case (false, true): text += "▄"
                case (false, false): text += " "
                }
            }
            text += "\n"
        }
        return text
    }
}
