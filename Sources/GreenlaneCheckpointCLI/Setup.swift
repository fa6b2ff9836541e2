package import ArgumentParser
import GreenlaneFormat
import GreenlaneVerifier

extension CheckpointCommands {
    package struct Setup: AsyncParsableCommand {
        package init() {}

        package static let configuration = CommandConfiguration(
            commandName: "setup", abstract: "Store this checkpoint's district, trust file and revocation list.",
            discussion: """
                Run once on a checkpoint machine; afterwards `greenlane verify CODE` needs no data flags.
                Each flag given replaces its stored value; the others are kept. Without flags, prints what is
                stored. The trust file and the revocation list are checked before anything is stored, and are
                read again from where they are at every verify: replace the revocation list there each day.

                Settings live in checkpoint.conf in the data folder: $GREENLANE_HOME, else
                $XDG_CONFIG_HOME/greenlane, else ~/.config/greenlane.
                """)

        @Option(name: .long, help: "The checkpoint's district (slug such as ba-dinh, or official code).")
        var zone: String?

        @Option(name: .long, help: "Trust file listing the issuer keys (JSON).")
        var trust: String?

        @Option(name: .long, help: "Signed revocation list (replaced there each day).")
        var revocations: String?

        @OptionGroup var language: LanguageOptions

        package func validate() throws {
            if let zone, District(zone) == nil {
                throw ValidationError("--zone '\(zone)' is not a Hanoi district; try ba-dinh, hoan-kiem, dong-da")
            }
        }

        package mutating func run() async throws {
            let vi = language.language == .vi
            let path = CheckpointSettings.path
            var settings = try CheckpointSettings.load() ?? CheckpointSettings()
            if zone == nil && trust == nil && revocations == nil {
                print((vi ? "cài đặt: " : "settings: ") + path)
                print(settings.text.split(separator: "\n").dropFirst().joined(separator: "\n"))
                return
            }
            if let zone { settings.zone = District(zone)?.slug }
            if let trust { settings.trust = absolutePath(trust) }
            if let revocations { settings.revocations = absolutePath(revocations) }
            guard let trustPath = settings.trust else {
                throw ValidationError("no trust file stored yet: give --trust FILE")
            }
            // Checked now, so a checkpoint learns of a wrong file at setup and not at its first vehicle.
            let trustSet = try TrustSet.load(path: trustPath)
            if let list = settings.revocations { _ = try VerifiedRevocationList.load(path: list, trust: trustSet) }
            try settings.save()
            print((vi ? "đã lưu: " : "stored: ") + path)
            print(settings.text.split(separator: "\n").dropFirst().joined(separator: "\n"))
            if trustSet.keys.contains(where: \.isDemo) {
                printError(vi ? "greenlane: ⚠ tệp tin cậy có khóa MẪU (DEMO): chỉ để thử, không dùng ở chốt thật"
                              : "greenlane: ⚠ the trust file lists DEMO keys: for trying out only, never at a real checkpoint")
            }
        }
    }
}
