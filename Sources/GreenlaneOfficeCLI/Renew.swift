import ArgumentParser
import GreenlaneCheckpointCLI
import GreenlaneEngine
import GreenlaneFormat
import GreenlaneIssuing
import GreenlaneRegistry
import GreenlaneSupport

enum PassSignerFactory {
    static func signer(_ options: SigningKeyOptions) throws -> PassSigner { PassSigner(key: try options.load()) }
}

extension Greenlane {
    struct Renew: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "renew", abstract: "Issue new passes for active permits when the order is extended (in bulk).",
            discussion: """
                Update the policy's order end first. Each active permit (narrowed by --firm) gets a new pass
                with the same vehicle, driver, zones and purpose, valid from now under the current policy;
                the old permit is revoked as 'renewed' in the same transaction and the new one records it.
                A permit whose driver's test is too old for a new pass is reported, not renewed.
                """)

        @Option(name: .long, help: "Policy file with the extended order.") var policy: String
        @Option(name: .long, help: "Renew only this firm's permits.") var firm: String?
        @Option(name: .long, help: "Write the new passes' files here (as for issue --out).") var out: String?
        @Flag(name: .long, help: "One JSON object per permit.") var json = false
        @OptionGroup var signing: SigningKeyOptions
        @OptionGroup var registry: RegistryOptions

        mutating func run() async throws {
            if let out { try FileWriter.checkFolder(out, flag: "--out") }
            let key = try signing.load()
            let engine = PermitEngine(policy: try Policy.load(path: policy), registry: try registry.open(), key: key)
            let context = try registry.auditContext()
            var filter = PermitFilter(now: context.effectiveTime)
            filter.firmID = firm
            var output = PassOutput(folder: out)
            output.isDemo = try signing.isDemo(key)
            let report = IssueReport(json: json, single: false, output: output)
            let summary = try report.run {
                try engine.renew(filter: filter, options: .init(context: context), onCommitted: $0)
            }
            if !json { printError("renewed \(summary.issued), not renewed \(summary.refused)") }
            if summary.refused > 0 { throw Exit.rejected }
        }
    }
}
