import GreenlaneFormat
import GreenlaneQR
import GreenlaneRemote
import GreenlaneSupport
import GreenlaneVerifier

/// Writes downloaded passes as `issue --out` does: SERIAL.txt, SERIAL.png, SERIAL.svg and SERIAL.card.svg,
/// each whole or not at all, mode 0600 (cards carry the driver's name and citizen ID number).
///
/// The card is drawn from the code's own claims. They are decoded without checking the signature: the code
/// came over verified TLS from the authority, and a checkpoint checks it anyway; a code that does not even
/// decode is refused here rather than printed on a card.
struct RemotePassFiles {
    let folder: String

    func write(_ download: RemoteCodes) throws -> [String] {
        var files: [String] = []
        for item in download.codes {
            files += try write(serial: item.serial, code: item.code)
        }
        return files
    }

    func write(serial: String, code: String) throws -> [String] {
        guard serial.utf8.count <= 64, serial.unicodeScalars.allSatisfy({
            ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-"
        }) else {
            throw RemoteError(.protocolViolation, "the server sent a pass with serial '"
                + SafeText.escaped(String(serial.prefix(64))) + "', which cannot be a file name")
        }
        let pass: UnverifiedPass
        do { pass = try PassCode.unverifiedDecode(code) } catch {
            throw RemoteError(.protocolViolation, "the server sent a code for \(serial) that is not a green-lane "
                + "pass (\(error.reason))", underlying: error)
        }
        guard pass.claims.permit.serial == serial else {
            throw RemoteError(.protocolViolation, "the server sent the code of \(pass.claims.permit.serial) as "
                + "\(serial)")
        }
        let isDemo = pass.message.keyID.map(DemoKeys.contains) ?? false
        let qr = try QRCode(encoding: code)
        let card = try PassCard.svg(claims: pass.claims, code: code, firmName: nil, isDemo: isDemo)
        let stem = (folder.hasSuffix("/") ? folder : folder + "/") + serial
        try FileWriter.write(Array((code + "\n").utf8), to: stem + ".txt")
        try FileWriter.write(try qr.png(), to: stem + ".png")
        try FileWriter.write(Array(qr.svg().utf8), to: stem + ".svg")
        try FileWriter.write(Array(card.utf8), to: stem + ".card.svg")
        return [stem + ".txt", stem + ".png", stem + ".svg", stem + ".card.svg"]
    }
}
