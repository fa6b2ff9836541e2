import GreenlaneTestSupport
import Foundation
import GreenlaneCrypto
import Testing

/// Hex string → bytes (test vectors are written in hex).
func hex(_ text: String) -> [UInt8] {
    let digits = Array(text.utf8)
    precondition(digits.count % 2 == 0, "odd hex length")
    return stride(from: 0, to: digits.count, by: 2).map {
        UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)!
    }
}

func hexString(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

/// A fresh directory under the system temp dir, removed when the value goes away.
final class TemporaryDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("greenlane-crypto-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func write(_ name: String, _ bytes: [UInt8], mode: Int = 0o600) throws -> String {
        let path = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    func read(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name))))
    }
}

struct CommandResult {
    let status: Int32
    let output: String
}

/// Runs the `openssl` command line tool, capturing stdout and stderr together.
@discardableResult
func openssl(_ arguments: [String], expectSuccess: Bool = true, sourceLocation: SourceLocation = #_sourceLocation)
    throws -> CommandResult
{
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["openssl"] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readToEndRetryingInterrupts()
    process.waitUntilExit()
    let result = CommandResult(
        status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    if expectSuccess {
        #expect(
            result.status == 0, "openssl \(arguments.joined(separator: " ")) failed: \(result.output)",
            sourceLocation: sourceLocation)
    }
    return result
}

/// Catches a CryptoError from `body` (nil if nothing or something else was thrown).
func cryptoError(_ body: () throws -> Void) -> CryptoError? {
    do {
        try body()
        return nil
    } catch let error as CryptoError {
        return error
    } catch {
        return nil
    }
}

/// An ECDSA-Sig-Value DER encoder/decoder written independently of the library, so the cross-checks
/// against the openssl CLI do not trust the code under test.
enum IndependentDER {
    /// SEQUENCE { INTEGER r, INTEGER s } from raw 64-byte r||s.
    static func ecdsaSignature(raw: [UInt8]) -> [UInt8] {
        precondition(raw.count == 64)
        let body = integer(Array(raw[0..<32])) + integer(Array(raw[32..<64]))
        return [0x30] + length(body.count) + body
    }

    /// Raw 64-byte r||s from SEQUENCE { INTEGER r, INTEGER s }.
    static func rawSignature(der: [UInt8]) -> [UInt8]? {
        var index = 0
        func readLength() -> Int? {
            guard index < der.count else { return nil }
            let first = Int(der[index])
            index += 1
            if first < 0x80 { return first }
            guard first == 0x81, index < der.count else { return nil }
            defer { index += 1 }
            return Int(der[index])
        }
        guard der.first == 0x30 else { return nil }
        index = 1
        guard let total = readLength(), index + total == der.count else { return nil }
        var out: [UInt8] = []
        for _ in 0..<2 {
            guard index < der.count, der[index] == 0x02 else { return nil }
            index += 1
            guard let count = readLength(), index + count <= der.count else { return nil }
            var value = Array(der[index..<index + count])
            index += count
            while value.count > 32, value.first == 0 { value.removeFirst() }
            guard value.count <= 32 else { return nil }
            out += [UInt8](repeating: 0, count: 32 - value.count) + value
        }
        return index == der.count ? out : nil
    }

    private static func integer(_ bigEndian: [UInt8]) -> [UInt8] {
        var value = Array(bigEndian.drop(while: { $0 == 0 }))
        if value.isEmpty { value = [0] }
        if value[0] & 0x80 != 0 { value.insert(0, at: 0) }  // keep it positive
        return [0x02] + length(value.count) + value
    }

    private static func length(_ count: Int) -> [UInt8] {
        count < 0x80 ? [UInt8(count)] : [0x81, UInt8(count)]
    }
}
