package import ArgumentParser
import GreenlaneMessages
import GreenlaneFormat
import GreenlaneSupport

extension CheckpointCommands {
    package struct Inspect: AsyncParsableCommand {
        package init() {}

        package static let configuration = CommandConfiguration(
            commandName: "inspect", abstract: "Print a pass code's layers and claims WITHOUT checking them.",
            discussion: "Nothing printed by inspect is verified. Use `greenlane verify` to decide on a pass.")

        @Argument(help: "A pass code (GL1:...). Omit to read one from standard input.")
        var code: String?

        @OptionGroup var language: LanguageOptions

        package mutating func run() async throws {
            guard let text = code ?? readLine() else { throw ValidationError("no pass code given") }
            // Everything below comes from the code: escaped, so it cannot drive the terminal.
            func print(_ line: String) { Swift.print(SafeText.escaped(line)) }
            print(Catalogue.inspectNotVerified.text(language.language))
            let trimmed = text.trimmingCharacters(in: \.isWhitespace)
            print("code:      \(trimmed.count) characters, QR version \(QRCapacity.version(alphanumericCount: trimmed.count).map(String.init) ?? "> 40") at level M")
            let unwrapped: (coseBytes: [UInt8], compressed: Bool)
            do {
                unwrapped = try PassCode.unwrap(text)
            } catch {
                print("error:     \(error)")
                throw Exit.malformed
            }
            print("zlib:      \(unwrapped.compressed ? "yes" : "no")")
            print("COSE:      \(unwrapped.coseBytes.count) bytes")
            let message: COSESign1
            do {
                message = try COSESign1.decode(unwrapped.coseBytes)
            } catch {
                print("error:     \(error)")
                print("hex:       \(Hex.encode(unwrapped.coseBytes))")
                throw Exit.malformed
            }
            print("protected: \(CBOR.map(message.protected).diagnostic)")
            print("unprotect: \(CBOR.map(message.unprotected).diagnostic)")
            print("signature: \(message.signature.count) bytes \(Hex.encode(message.signature))")
            print("payload:   \(message.payload.count) bytes")
            do {
                let payload = try CBOR.decode(message.payload)
                print("CWT:       \(payload.diagnostic)")
                let claims = try PassClaims(decoding: message.payload)
                for line in ResultRenderer(language: language.language).describe(claims) { print(line) }
                print("  iat       \(Timestamp.rfc3339(claims.issuedAt))  iss \(claims.issuer)")
            } catch {
                print("error:     \(error)")
                throw Exit.malformed
            }
        }
    }
}

extension String {
    func trimmingCharacters(in predicate: (Character) -> Bool) -> String {
        var slice = Substring(self)
        while let first = slice.first, predicate(first) { slice.removeFirst() }
        while let last = slice.last, predicate(last) { slice.removeLast() }
        return String(slice)
    }
}
