extension QRCode {
    /// Pixels a module of an SVG with no size given: the same as `png()`, so a tool that rasterises the file
    /// at its own size (a browser, rsvg-convert, an office suite) gets a symbol any scanner reads. With no
    /// width and height an SVG's own size is its viewBox, one pixel a module, which few readers manage.
    public static let svgPixelsPerModule = 8

    /// Standalone SVG (one `<path>` of unit-high runs of dark modules on a white background, shape-rendering
    /// crispEdges), quiet zone included, drawn in modules via viewBox. Its width and height are
    /// `sizeInMillimetres` when given (finite and positive), else `svgPixelsPerModule` pixels a module.
    /// A negative quiet zone counts as 0.
    public func svg(quietZone: Int = 4, sizeInMillimetres: Double? = nil) -> String {
        let quiet = max(0, min(quietZone, 1_000))
        let side = size + 2 * quiet
        var svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" viewBox=\"0 0 \(side) \(side)\""
        if let millimetres = sizeInMillimetres, millimetres.isFinite, millimetres > 0 {
            let length = XML.number(millimetres) + "mm"
            svg += " width=\"\(length)\" height=\"\(length)\""
        } else {
            let pixels = side * Self.svgPixelsPerModule
            svg += " width=\"\(pixels)\" height=\"\(pixels)\""
        }
        svg += " shape-rendering=\"crispEdges\">\n"
        svg += "<rect width=\"\(side)\" height=\"\(side)\" fill=\"#fff\"/>\n"
        svg += "<path fill=\"#000\" d=\"\(pathData(offset: quiet))\"/>\n"
        svg += "</svg>\n"
        return svg
    }

    /// Path data drawing every dark module as part of a horizontal run, the symbol's corner at
    /// (`offset`, `offset`). Runs instead of single squares make the path about three times shorter.
    func pathData(offset: Int) -> String {
        var data = ""
        for y in 0..<size {
            var x = 0
            while x < size {
                guard isDark(x: x, y: y) else {
                    x += 1
                    continue
                }
                let start = x
                while x < size, isDark(x: x, y: y) { x += 1 }
                data += "M\(start + offset) \(y + offset)h\(x - start)v1h-\(x - start)z"
            }
        }
        return data
    }
}
