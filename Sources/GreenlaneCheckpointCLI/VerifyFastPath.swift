import GreenlaneMessages
import GreenlaneVerifier

/// A hand-written parser for the forms a checkpoint runs all day (`verify CODE --trust F --zone Z ...`), so
/// that `greenlane verify CODE` starts without ArgumentParser's reflection over the command types (about
/// 2.5 ms of a cold start, BENCHMARKS.md).
///
/// It accepts only what it is sure of: the long flags of `verify`, each at most once, as `--flag value` or
/// `--flag=value`, and at most one code. Anything else (help, `--image`, an unknown or repeated flag, a value
/// that looks like a flag, a value that does not parse, a request `validate()` refuses) gives nil, and
/// ArgumentParser parses the same arguments and reports what is wrong. `VerifyFastPathTests` checks that both
/// parsers give the same `VerifyRequest` wherever this one answers.
package enum VerifyFastPath {
    package static func parse(_ arguments: [String]) -> VerifyRequest? {
        guard arguments.first == "verify" else { return nil }
        var request = VerifyRequest()
        var seen: [String] = []  // arrays, not sets: a Set's first use (hash seed, metadata) costs a cold start
        var rest = arguments.dropFirst()
        while let argument = rest.popFirst() {
            guard argument.hasPrefix("-") else {
                guard request.code == nil else { return nil }
                request.code = argument
                continue
            }
            var name = argument
            var value: String?
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            }
            guard !seen.contains(name) else { return nil }
            seen.append(name)
            if name == "--json" || name == "--training" || name == "--waive-revocations" {
                guard value == nil else { return nil }
                switch name {
                case "--json": request.json = true
                case "--training": request.training = true
                default: request.waiveRevocations = true
                }
                continue
            }
            guard valueFlags.contains(name) else { return nil }
            if value == nil { value = rest.popFirst() }
            guard let value, !value.hasPrefix("-"), !value.isEmpty else { return nil }
            switch name {
            case "--trust": request.trust = [value]
            case "--revocations": request.revocations = [value]
            case "--state": request.state = value
            case "--at": request.at = value
            case "--zone": request.zone = value
            case "--file": request.file = value
            case "--skew":
                guard let number = Int64(value) else { return nil }
                request.skew = number
            case "--max-revocation-age":
                guard let number = Int64(value) else { return nil }
                request.maxRevocationAge = number
            case "--lang":
                guard let language = Language(rawValue: value) else { return nil }
                request.lang = language
            default: return nil
            }
        }
        guard (try? request.validate()) != nil else { return nil }
        return request
    }

    static let valueFlags = [
        "--trust", "--revocations", "--state", "--at", "--zone", "--file", "--skew", "--max-revocation-age", "--lang",
    ]
}
