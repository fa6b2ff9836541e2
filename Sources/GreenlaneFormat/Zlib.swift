import CZlib

/// zlib format (RFC 1950), the layer the EU DCC always has and greenlane only for long codes, through the
/// system's zlib.
public enum Zlib {
    /// Compresses into one zlib stream. `level` is clamped to zlib's -1 (default) ... 9.
    ///
    /// The window and hash table are sized to the input: zlib's defaults (32 KiB window, memLevel 8) allocate
    /// and clear about 256 KiB per stream, which costs 60 µs, four times an ES256 signature, for a 200-byte
    /// pass. A window at least as long as the input finds every match the default would; any inflater reads it.
    public static func compress(_ bytes: [UInt8], level: Int32 = 9) -> [UInt8] {
        // zlib keeps a pointer back to its z_stream and checks it on every call, so the stream must not move.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        var windowBits: Int32 = 9  // deflate's smallest window, 512 bytes
        while windowBits < 15 && (1 << windowBits) < bytes.count { windowBits += 1 }
        let memLevel = min(windowBits - 5, 8)
        let status = greenlane_deflateInit2(stream, min(max(level, -1), 9), windowBits, memLevel)
        precondition(status == Z_OK, "deflateInit failed (\(status)): out of memory")
        defer { deflateEnd(stream) }

        // deflateBound is only an estimate for a non-default window (zlib 1.2.13 underestimates some stored
        // blocks), so the output grows when zlib fills it; for a pass it never has to.
        var output = [UInt8](repeating: 0, count: Int(deflateBound(stream, uLong(bytes.count))))
        var produced = 0
        var consumed = 0
        var result = Z_OK
        bytes.withUnsafeBufferPointer { input in
            repeat {
                if produced == output.count { output += [UInt8](repeating: 0, count: max(64, output.count / 2)) }
                output.withUnsafeMutableBufferPointer { out in
                    // avail_in and avail_out are 32-bit; feed larger buffers in slices.
                    let inputSlice = min(input.count - consumed, Int(UInt32.max))
                    stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress.map { $0 + consumed })
                    stream.pointee.avail_in = uInt(inputSlice)
                    let outputSlice = min(out.count - produced, Int(UInt32.max))
                    stream.pointee.next_out = out.baseAddress.map { $0 + produced }
                    stream.pointee.avail_out = uInt(outputSlice)
                    let flush = consumed + inputSlice == input.count ? Z_FINISH : Z_NO_FLUSH
                    result = deflate(stream, flush)
                    consumed += inputSlice - Int(stream.pointee.avail_in)
                    produced += outputSlice - Int(stream.pointee.avail_out)
                }
                // Z_BUF_ERROR only says no progress was possible: the output is full and grows above.
                let full = result == Z_BUF_ERROR && produced == output.count
                precondition(result == Z_OK || result == Z_STREAM_END || full, "deflate failed (\(result))")
            } while result != Z_STREAM_END
        }
        output.removeLast(output.count - produced)
        return output
    }

    /// Inflates at most `maxOutput` bytes: stops the moment the output would exceed it and throws
    /// .inflatedTooLarge (layer .zlib) without allocating more than ~maxOutput; a zlib bomb never spikes
    /// memory. Corrupt stream, truncated stream, or bytes after the end of the stream -> .corruptStream
    /// with zlib's own msg text when it gives one.
    public static func decompress(_ bytes: [UInt8], maxOutput: Int) throws(FormatError) -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        guard greenlane_inflateInit(stream) == Z_OK else {
            throw FormatError(.corruptStream, layer: .zlib, "zlib could not start inflating (out of memory)")
        }
        defer { inflateEnd(stream) }

        // One byte past the limit is room enough to learn that the stream goes past it.
        let limit = max(maxOutput, 0)
        let ceiling = limit == Int.max ? limit : limit + 1
        var output: [UInt8] = []
        var capacity = min(ceiling, max(bytes.count * 4, 1024))
        var produced = 0
        var consumed = 0
        while true {
            if produced == output.count {
                guard output.count < ceiling else {
                    throw FormatError(
                        .inflatedTooLarge, layer: .zlib, "inflates to more than \(limit) bytes", offset: consumed)
                }
                if output.count == capacity { capacity = min(ceiling, capacity * 2) }
                // reserveCapacity first so the array holds exactly what was asked, not its own doubling.
                output.reserveCapacity(capacity)
                output.append(contentsOf: repeatElement(0, count: capacity - output.count))
            }
            let (result, message) = bytes.withUnsafeBufferPointer { input in
                output.withUnsafeMutableBufferPointer { out in
                    let inputSlice = min(input.count - consumed, Int(UInt32.max))
                    stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress.map { $0 + consumed })
                    stream.pointee.avail_in = uInt(inputSlice)
                    let outputSlice = min(out.count - produced, Int(UInt32.max))
                    stream.pointee.next_out = out.baseAddress.map { $0 + produced }
                    stream.pointee.avail_out = uInt(outputSlice)
                    let result = inflate(stream, Z_NO_FLUSH)
                    consumed += inputSlice - Int(stream.pointee.avail_in)
                    produced += outputSlice - Int(stream.pointee.avail_out)
                    return (result, stream.pointee.msg.map { String(cString: $0) })
                }
            }
            switch result {
            case Z_STREAM_END:
                // The last call may have filled the byte of room kept past the limit.
                guard produced <= limit else {
                    throw FormatError(
                        .inflatedTooLarge, layer: .zlib, "inflates to more than \(limit) bytes", offset: consumed)
                }
                guard consumed == bytes.count else {
                    throw FormatError(
                        .corruptStream, layer: .zlib,
                        "\(bytes.count - consumed) bytes follow the end of the zlib stream", offset: consumed)
                }
                output.removeLast(output.count - produced)
                return output
            case Z_OK, Z_BUF_ERROR:
                // With output room left, zlib stops only when it has used up the input: the stream is cut short.
                if produced < output.count && consumed == bytes.count {
                    throw FormatError(
                        .corruptStream, layer: .zlib,
                        "zlib stream is truncated" + (message.map { ": \($0)" } ?? ""), offset: consumed)
                }
            case Z_NEED_DICT:
                throw FormatError(
                    .corruptStream, layer: .zlib, "zlib stream needs a preset dictionary", offset: consumed)
            default:
                throw FormatError(
                    .corruptStream, layer: .zlib,
                    "zlib stream is corrupt: " + (message ?? "error \(result)"), offset: consumed)
            }
        }
    }
}
