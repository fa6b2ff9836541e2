import ArgumentParser
import GreenlaneCheckpointCLI
import GreenlaneEngine
import GreenlaneFormat
import GreenlaneIssuing
import GreenlaneStore
import GreenlaneSQLiteStore
import GreenlaneSupport

extension Greenlane {
    struct Renew: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "renew", abstract: "Issue new passes for active permits when the order is extended (in bulk).",
            discussion: """
                Update the policy's order end first. Each live permit (narrowed by --firm) gets a new pass with
                the same vehicle, driver, zones and purpose, valid from now under the current policy; the old
                permit is revoked as 'renewed' in the same transaction and the new one records it and the run.
                A run is the order's number and new end: rerunning after a crash, or a second operator, joins
                it and renews only what is left, never what the run already handed out. A permit revoked while
                the run goes is not renewed. A permit whose new pass would end no later (its driver's test
                caps it) is left alone and listed. Afterwards, export a revocation list for checkpoints.
                """)

        @Option(name: .long, help: "Policy file with the extended order.") var policy: String
        @Option(name: .long, help: "Renew only this firm's permits.") var firm: String?
        @Option(name: .long, help: "Write the new passes' files here (as for issue --out).") var out: String?
        @Flag(name: .long, help: "One JSON object per permit.") var json = false
        @OptionGroup var signing: SigningKeyOptions
        @OptionGroup var registry: RegistryOptions

        mutating func run() async throws {
            if let out { try FileWriter.checkFolder(out, flag: "--out") }
            let policy = try Policy.load(path: self.policy)
            let store = try await registry.open()
            let (key, entry) = try signing.load(issuer: policy.issuer, role: .passes)
            let engine = try PermitEngine(policy: policy, store: store, key: key)
            let context = try registry.auditContext()
            try SigningKeyOptions.checkPassesFit(entry, policy: policy, at: context.effectiveTime)
            var output = PassOutput(folder: out)
            output.isDemo = entry.isDemo
            output.firmNames = Dictionary(uniqueKeysWithValues: try await store.firms().map { ($0.id, $0.legalName) })
            let report = IssueReport(json: json, single: false, output: output)
            var renewal: PermitEngine.RenewalSummary?
            _ = try await report.run { committed in
                let result = try await engine.renew(firmID: firm, options: .init(context: context), onCommitted: committed)
                renewal = result
                return result.summary
            }
            guard let renewal else { return }
            for (serial, reason) in renewal.unchanged {
                if json {
                    print(JSONValue.object([("renewed", .bool(false)), ("unchanged", .string(serial)),
                                            ("reason", .string(reason))]).text)
                } else {
                    printError("= \(serial): left alone: \(reason)")
                }
            }
            let summary = renewal.summary
            printError("renewal run \(renewal.run): renewed \(summary.issued), left alone \(renewal.unchanged.count), "
                + "not renewed \(summary.refused)")
            if summary.issued > 0 {
                printError("\(summary.issued) old passes are now revoked (renewed): run `greenlane revocations export` "
                    + "and send the list to checkpoints")
            }
            if summary.refused > 0 { throw Exit.rejected }
        }
    }
}
