import GreenlaneTestSupport
import Foundation

/// Runs the built `greenlane` binary, as a user would, and captures what it prints.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A data folder of the tests' own (GREENLANE_HOME), so no test reads or writes the settings of the machine
/// it runs on. Set in this process's environment, which every binary the tests start inherits.
let privateDataFolder: URL = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("greenlane-home-" + UUID().uuidString)
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    setenv("GREENLANE_HOME", url.path, 1)
    return url
}()

/// The test runner lives in the build folder next to the binary it tests.
let greenlaneBinary: URL = {
    _ = privateDataFolder  // every test that runs a binary finds it through here
    let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var folder = runner.deletingLastPathComponent()
    while folder.path != "/" {
        let candidate = folder.appendingPathComponent("greenlane")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        folder = folder.deletingLastPathComponent()
    }
    return repositoryRoot.appendingPathComponent(".build/debug/greenlane")
}()

@discardableResult
func greenlane(
    _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], in directory: URL = repositoryRoot
) throws -> CLIResult {
    try run(greenlaneBinary, arguments, stdin: stdin, environment: environment, in: directory)
}

/// Runs `binary` as a user would and captures what it prints. The environment is this process's, with
/// `LANG=C.UTF-8` and a fresh verifier state (lists seen by one test must not be another's rollback), then
/// `environment`; with `inherit: false`, only `environment` and `LANG`.
func run(
    _ binary: URL, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
    inherit: Bool = true, in directory: URL = repositoryRoot
) throws -> CLIResult {
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    process.currentDirectoryURL = directory
    var env = inherit ? ProcessInfo.processInfo.environment : [:]
    env["LANG"] = "C.UTF-8"
    if inherit {
        env["GREENLANE_VERIFIER_STATE"] = FileManager.default.temporaryDirectory
            .appendingPathComponent("greenlane-state-" + UUID().uuidString).path
    }
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let outData = out.fileHandleForReading.readToEndRetryingInterrupts()
    let errData = err.fileHandleForReading.readToEndRetryingInterrupts()
    process.waitUntilExit()
    return CLIResult(
        status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
}

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("greenlane-cli-" + UUID().uuidString)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
