import GreenlaneTestSupport
import Foundation
import Testing

/// Item 4 of issue 9: codes on standard input are answered line by line as they arrive, and noise that cannot
/// change a signed pass is repaired and named.
@Suite(.serialized) struct ScannerModeTests {
    // The sample is signed by the demo key: training mode, so a good code is "valid" (0), not "demo" (5).
    static let base = ["verify", "--trust", "Keys/demo-trust.json", "--at", "2021-07-26T10:00:00+07:00",
                       "--zone", "dong-da", "--lang", "en", "--training", "--waive-revocations"]

    var code: String {
        get throws {
            try String(contentsOf: repositoryRoot.appendingPathComponent("Samples/codes/valid-es256.txt"),
                       encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    @Test func noiseIsRepairedAndNamedOneVerdictPerCode() throws {
        let code = try code
        let space = code.firstIndex(of: " ")!
        let middle = code.index(code.startIndex, offsetBy: 150)
        #expect(code[middle] != " " && code[code.index(before: middle)] != " ")
        let input = [
            "\u{FEFF}" + code + "\r\n",                                    // byte-order mark, CRLF
            code.replacingOccurrences(of: " ", with: "\u{00A0}") + "\n",  // non-breaking spaces
            code.lowercased() + "\r",                                     // lower case, CR alone
            String(code[..<middle]) + "\n" + String(code[middle...]) + "\n",  // split inside
            String(code[..<space]) + "\n" + String(code[code.index(after: space)...]) + "\n",  // split at a space
            "GL1:NOT-A-CODE\n" + code + "\n",                             // a bad code, then a good one
            "  " + code + "  \n",                                         // surrounding spaces: not a repair
        ].joined()
        let result = try greenlane(Self.base + ["--json"], stdin: input)
        #expect(result.status == 2, "the bad code is malformed: \(result.stderr)")
        let objects = try result.stdout.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        let repaired = objects.map { ($0["repaired"] as? [String]) ?? [] }
        let accepted = objects.map { $0["accepted"] as! Bool }
        #expect(accepted == [true, true, true, true, true, false, true, true])
        #expect(repaired == [
            ["byte-order-mark", "carriage-return"], ["non-breaking-space"], ["lower-case", "carriage-return"],
            ["joined-lines"], ["joined-lines-with-space"], [], [], [],
        ])
        let human = try greenlane(Self.base, stdin: code.lowercased() + "\n")
        #expect(human.status == 0)
        #expect(human.stdout.contains("Code repaired before checking: turned lower case to upper case"))
        #expect(human.stdout.hasPrefix("#1\n"))
    }

    @Test func aJoinThatDoesNotReadStaysTwoAnswers() throws {
        let result = try greenlane(Self.base + ["--json"], stdin: "GL1:ABC\nXYZ\n")
        #expect(result.stdout.split(separator: "\n").count == 2)
        #expect(result.status == 2)
    }

    /// Three codes, one second apart, each answered within 300 ms of its Enter (Tests/Scanner/scanner_timing.py).
    @Test(arguments: [["pty"], ["pipe"], ["pipe", "--json"], ["pty", "--json"]])
    func eachCodeIsAnsweredWithin300msOfItsEnter(mode: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repositoryRoot.appendingPathComponent("Tests/Scanner/scanner_timing.py").path,
                             greenlaneBinary.path] + mode
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readToEndRetryingInterrupts(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.components(separatedBy: "answered in").count == 4, "\(text)")
    }
}
