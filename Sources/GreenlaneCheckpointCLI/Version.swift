/// The version of both binaries, in one place: `greenlane --version`, `greenlane-office --version`, the
/// hand-over check between them and `scripts/package.sh` (which reads the line below) all use it.
package enum GreenlaneVersion {
    package static let current = "0.9.0"

    /// Set by `greenlane` when it hands a command to greenlane-office: the version that greenlane-office must
    /// be, so that a checkpoint never runs an office binary from another release beside it.
    package static let handOverVariable = "GREENLANE_HANDED_OVER_BY"
}
