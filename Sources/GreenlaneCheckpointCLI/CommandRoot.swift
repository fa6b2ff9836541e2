package import ArgumentParser
import GreenlaneMessages
import GreenlaneSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a command tree and turns whatever it throws into a message on standard error and a documented exit
/// code, in one place for both binaries: a failed write exits 3 whichever command failed, never 1.
package enum CommandRoot {
    package static func main<Root: ParsableCommand>(_ root: Root.Type, arguments: [String]? = nil) async -> Never {
        var command: any ParsableCommand
        do {
            command = try root.parseAsRoot(arguments)
        } catch {
            root.exit(withError: error)  // help, version and usage errors, as ArgumentParser prints them
        }
        // The checkpoint commands speak from the message catalogue; the office commands move there later.
        let speaksCatalogue = CheckpointCommands.all.contains { $0 == type(of: command) }
        await run(root, arguments: arguments, speaksCatalogue: speaksCatalogue) {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        }
    }

    /// Runs work that was parsed elsewhere (the `verify` fast path, the hand-over to greenlane-office) and
    /// reports what it throws exactly as a parsed command's errors are reported.
    package static func run<Root: ParsableCommand>(
        _ root: Root.Type, arguments: [String]? = nil, speaksCatalogue: Bool = true,
        isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> Void
    ) async -> Never {
        do {
            try await body()
        } catch {
            let language = requestedLanguage(arguments ?? Array(CommandLine.arguments.dropFirst()))
            exit(report(error, root: root, language: speaksCatalogue ? language : nil))
        }
        exit(0)
    }

    /// Prints `error` for people and returns the exit code its kind maps to.
    ///
    /// A greenlane error is shown from the message catalogue by its code, in the officer's language, with
    /// what to do about it; the English reason follows as the detail, escaped (it may quote a file's text).
    /// Without a language (the office commands, for now) the reason alone, on one line.
    static func report<Root: ParsableCommand>(_ error: any Error, root: Root.Type, language: Language?) -> Int32 {
        switch error {
        case let code as ExitCode:
            // The command has already said why.
            return code.rawValue
        case let error as any GreenlaneError:
            guard let language else {
                printError("greenlane: \(error.reason)")
                if environment("GREENLANE_DEBUG") != nil { printError(error.diagnostic) }
                return Exit.code(for: error.kind).rawValue
            }
            let entry = Catalogue.error(for: error.catalogueKey)
            printError("greenlane: " + Catalogue.errorPrefix.text(language, entry.problem.text(language)))
            printError("  " + Catalogue.remedyPrefix.text(language, entry.remedy.text(language)))
            printError("  " + Catalogue.detailPrefix.text(language, error.reason))
            if environment("GREENLANE_DEBUG") != nil { printError(error.diagnostic) }
            return Exit.code(for: error.kind).rawValue
        case _ where String(reflecting: type(of: error)).hasPrefix("ArgumentParser."):
            // ValidationError, CleanExit, and the parser's own errors (`help` runs a command that throws
            // one): ArgumentParser prints help and usage errors itself, with exit codes 0 and 64.
            root.exit(withError: error)
        default:
            // Not one of ours: say so plainly rather than print a Swift dump.
            printError("greenlane: an unexpected internal error stopped the command (\(type(of: error))); "
                + "run it again with GREENLANE_DEBUG=1 for details")
            if environment("GREENLANE_DEBUG") != nil { printError(String(reflecting: error)) }
            return Exit.setup.rawValue
        }
    }

    /// The language the command line asks for (`--lang vi|en`, `--lang=en`), else the locale's: the root
    /// reports errors before, or without, the command's own options.
    static func requestedLanguage(_ arguments: [String]) -> Language {
        for (index, argument) in arguments.enumerated() {
            if argument == "--lang", index + 1 < arguments.count, let language = Language(rawValue: arguments[index + 1]) {
                return language
            }
            if argument.hasPrefix("--lang="), let language = Language(rawValue: String(argument.dropFirst(7))) {
                return language
            }
        }
        return Language.fromLocale([environment("LC_ALL"), environment("LC_MESSAGES"), environment("LANG")])
    }
}
