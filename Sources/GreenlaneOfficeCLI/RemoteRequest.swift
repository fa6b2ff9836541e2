import ArgumentParser
import GreenlaneCheckpointCLI
import GreenlaneEngine
import GreenlaneRemote
import GreenlaneRequestCSV
import GreenlaneSupport
import Foundation

/// `greenlane remote request`: one vehicle from flags, or a fleet from CSV, sent as one request.
struct RemoteRequestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request", abstract: "Request passes from the service: one vehicle (flags) or a fleet (--csv).",
        discussion: """
            Every row is checked by the server at once (policy, then registry) and answered accepted or \
            refused with its reasons; accepted rows wait for endorsement and approval. The firm is your \
            credential's: the CSV's firm column must name one firm only. Prints the request id; refused rows \
            exit 1. --out writes SERIAL.txt, .png, .svg and .card.svg for rows already issued (approved by \
            rule); otherwise use `remote download ID --out DIR` once the request is approved. \
            The request carries an Idempotency-Key: give the same --idempotency-key to send it again safely \
            (the server answers with the same request instead of making a second).
            """)

    @OptionGroup var remote: RemoteOptions

    @Option(name: .long, help: "Fleet requests, one per row (the columns of Samples/requests.csv).")
    var csv: String?
    @Option(name: .long, help: "Plate, e.g. 29C-123.45.") var plate: String?
    @Option(name: .customLong("class"), help: "motorbike, car, van, light-truck or heavy-truck.")
    var vehicleClass: String?
    @Option(name: .long, help: "Driver's full name.") var driverName: String?
    @Option(name: .long, help: "Driver's 12-digit citizen ID.") var driverID: String?
    @Option(name: .long, help: "When the driver's negative COVID-19 test was taken.") var testAt: String?
    @Option(name: .long, help: "essential-goods, public-postal or telecom-repair.") var purpose: String?
    @Option(name: .long, help: "Districts, comma-separated slugs, or 'all'.") var zones: String?
    @Option(name: .long, help: "Start of validity (default: when issued).") var validFrom: String?
    @Option(name: .long, help: "Requested end of validity (capped by the policy).") var validUntil: String?

    @Option(name: .long, help: "Write the passes of rows already issued here (SERIAL.txt, .png, .svg, .card.svg).")
    var out: String?
    @Option(name: .long, help: "Idempotency-Key to send (1-255 printable ASCII; default: a new random one).")
    var idempotencyKey: String?

    func validate() throws {
        let single = [plate, vehicleClass, driverName, driverID, testAt, purpose, zones]
        if csv != nil {
            if single.contains(where: { $0 != nil }) || validFrom != nil || validUntil != nil {
                throw ValidationError("give --csv or the single-vehicle flags, not both")
            }
        } else if single.contains(where: { $0 == nil }) {
            throw ValidationError("one vehicle needs --plate, --class, --driver-name, --driver-id, --test-at, "
                + "--purpose and --zones (the firm is your credential's)")
        }
        if let key = idempotencyKey,
            !(1...255).contains(key.utf8.count)
                || !key.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
        {
            throw ValidationError("--idempotency-key must be 1-255 printable ASCII characters without spaces")
        }
    }

    mutating func run() async throws {
        if let out { try FileWriter.checkFolder(out, flag: "--out") }
        var vehicles: [RemoteVehicle] = []
        var sources: [String] = []
        var notSent: [RequestRefusal] = []
        if let csv {
            let rows = try RequestCSV.read(path: csv)
            let firms = Set(rows.requests.map(\.firmID).filter { !$0.isEmpty })
            guard firms.count <= 1 else {
                throw RemoteError(.refused, "\(csv) names firms " + firms.sorted().joined(separator: ", ")
                    + ": a request is for your credential's firm only; split the file by firm")
            }
            notSent = rows.malformed
            for request in rows.requests {
                vehicles.append(RemoteVehicle(
                    plate: request.plate, vehicleClass: request.vehicleClass, driverName: request.driverName,
                    driverID: request.driverID, testAt: request.testAt, purpose: request.purpose,
                    zones: request.zones, validFrom: Self.nonEmpty(request.validFrom),
                    validUntil: Self.nonEmpty(request.validUntil)))
                sources.append(request.source)
            }
        } else {
            vehicles = [RemoteVehicle(
                plate: plate!, vehicleClass: vehicleClass!, driverName: driverName!, driverID: driverID!,
                testAt: testAt!, purpose: purpose!, zones: zones!, validFrom: validFrom, validUntil: validUntil)]
            sources = ["command line"]
        }
        for refusal in notSent where !remote.json {
            printError("✘ \(refusal.source): " + refusal.reasons.joined(separator: "; ") + " (not sent)")
        }
        guard !vehicles.isEmpty else {
            throw RemoteError(.refused, "no row of \(csv ?? "the request") could be read; nothing was sent")
        }
        let key = idempotencyKey ?? RemoteClient.newKey()
        let remote = self.remote
        let out = self.out
        let refused = try await remote.client { client in
            let (request, json) = try await client.submit(vehicles, idempotencyKey: key)
            var written: [String] = []
            if let out, request.rows.contains(where: { $0.serial != nil }) {
                written = try RemotePassFiles(folder: out).write(try await client.codes(request.id))
            }
            if remote.json {
                var object = (try JSONSerialization.jsonObject(with: Data(json))) as? [String: Any] ?? [:]
                if var rows = object["rows"] as? [[String: Any]] {
                    for index in rows.indices {
                        if let row = rows[index]["index"] as? Int, row < sources.count {
                            rows[index]["source"] = sources[row]
                        }
                    }
                    object["rows"] = rows
                }
                if !notSent.isEmpty {
                    object["notSent"] = notSent.map { ["source": $0.source, "reasons": $0.reasons] as [String: Any] }
                }
                if !written.isEmpty { object["files"] = written }
                object["idempotencyKey"] = key
                RemoteOutput.printJSONObject(object)
            } else {
                print("\(request.id) \(request.status)")
                RemoteOutput.printRows(request, sources: sources)
                for file in written { print(file) }
                let next = request.rows.contains(where: { $0.serial != nil })
                    ? (out == nil ? "; `greenlane remote download \(request.id) --out DIR` writes the passes" : "")
                    : "; once approved: `greenlane remote download \(request.id) --out DIR`"
                printError("request \(request.id) \(request.status): \(RemoteOutput.counts(request))\(next)")
                if out != nil && written.isEmpty {
                    printError("nothing issued yet, so nothing written to \(out!)")
                }
            }
            return request.rows.filter { $0.status == "refused" || $0.status == "not-issued" }.count
        }
        if refused + notSent.count > 0 { throw Exit.rejected }
    }

    static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }
}
