public import GreenlaneStore
public import GreenlaneSupport
import GreenlaneFormat
import GRDB
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// `greenlane registry copy`: every row out of a registry file, and into a new one.
extension SQLiteStore: RegistryCopying {
    public func dump() async throws(RegistryError) -> RegistryDump {
        guard let settings else {
            throw RegistryError(.noRegistry, "\(path) was never initialised: there is nothing to copy")
        }
        return try await read { db in
            let service = try Int.fetchOne(db, sql: """
                SELECT (SELECT count(*) FROM service_credential) + (SELECT count(*) FROM service_enrolment)
                     + (SELECT count(*) FROM service_request)
                """) ?? 0
            guard service == 0 else { throw RegistryError(.invalidValue, SQLiteStore.serviceRecordsNotCopied(path)) }
            var dump = RegistryDump(settings: settings)
            dump.firms = try Row.fetchAll(db, sql: "SELECT * FROM firm ORDER BY id").map(SQLiteStore.firm)
            dump.vehicles = try Row.fetchAll(db, sql: "SELECT * FROM vehicle ORDER BY plate").map {
                RegistryDump.Vehicle(plate: $0["plate"], firmID: $0["firm_id"], vehicleClass: $0["vehicle_class"],
                                     firstSeen: $0["first_seen"])
            }
            dump.owners = try Row.fetchAll(db, sql: "SELECT * FROM vehicle_owner ORDER BY compact_plate").map {
                RegistryDump.Owner(compactPlate: $0["compact_plate"], firmID: $0["firm_id"], since: $0["since"])
            }
            dump.renewalRuns = try Row.fetchAll(db, sql: "SELECT * FROM renewal_run ORDER BY id").map {
                RegistryDump.RenewalRun(id: $0["id"], orderNumber: $0["order_number"], orderEnd: $0["order_end"],
                                        startedAt: $0["started_at"], startedBy: $0["started_by"])
            }
            dump.permits = try Row.fetchAll(db, sql: "SELECT * FROM permit ORDER BY serial").map {
                (SQLiteStore.permit($0), $0["renewal_run"] as Int64?)
            }
            dump.revocations = try Row.fetchAll(db, sql: "SELECT * FROM revocation ORDER BY serial").map {
                Revocation(serial: $0["serial"], revokedAt: $0["revoked_at"], reason: $0["reason"],
                           revokedBy: $0["revoked_by"], note: $0["note"])
            }
            dump.livePasses = try Row.fetchAll(db, sql: "SELECT * FROM live_pass ORDER BY compact_plate").map {
                RegistryDump.LivePass(compactPlate: $0["compact_plate"], serial: $0["serial"], expiresAt: $0["expires_at"])
            }
            dump.counters = try Row.fetchAll(db, sql: "SELECT * FROM serial_counter ORDER BY prefix").map {
                RegistryDump.Counter(prefix: $0["prefix"], next: $0["next"])
            }
            dump.listSequences = try Row.fetchAll(db, sql: "SELECT * FROM revocation_list_sequence ORDER BY kid").map {
                RegistryDump.ListSequence(kid: $0["kid"], sequence: $0["sequence"])
            }
            dump.auditLog = try Row.fetchAll(db, sql: """
                SELECT id, at, pinned_at, actor, on_behalf_of, action, subject, detail FROM audit_log ORDER BY id
                """).map {
                AuditEntry(id: $0[0], at: $0[1], pinnedAt: $0[2], actor: $0[3], onBehalfOf: $0[4], action: $0[5],
                           subject: $0[6], detail: $0[7])
            }
            return dump
        }
    }

    /// Why a registry the service has used is not copied (its records are not part of a dump yet).
    public static func serviceRecordsNotCopied(_ name: String) -> String {
        "\(name) holds the service's credentials, enrolments or requests, which `registry copy` does not copy "
            + "yet: nothing was copied"
    }

    /// A new registry file at `path` (0600, never over an existing file) holding exactly `dump`'s rows, in one
    /// transaction: the schema's checks and keys apply to every row, as they would to greenlane's own writes.
    public static func load(_ dump: RegistryDump, intoNewFile path: String) async throws(RegistryError) -> SQLiteStore {
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode_t(0o600))
        guard fd >= 0 else {
            throw RegistryError(.cannotOpen, "cannot create registry \(path): " + systemText(errno)
                + " (a copy is never written over an existing file)")
        }
        close(fd)
        let pool: DatabasePool
        do {
            pool = try openPool(path: path, configuration: configuration(readOnly: false), migrate: true)
        } catch {
            throw RegistryError(.cannotOpen, "cannot create registry \(path): \(describe(error))", underlying: error)
        }
        let store = SQLiteStore(writer: pool, path: path, settings: dump.settings)
        do {
            try await store.fill(dump)
        } catch {
            try? pool.close()
            for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
            throw error
        }
        return store
    }

    private func fill(_ dump: RegistryDump) async throws(RegistryError) {
        try await write { db in
            try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
            try SQLiteStore.insert(dump.settings, db)
            for f in dump.firms {
                try db.execute(sql: "INSERT INTO firm (id, legal_name, kind, licence, status, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [f.id, f.legalName, f.kind.rawValue, f.licence, f.status.rawValue, f.createdAt])
            }
            for v in dump.vehicles {
                try db.cachedStatement(sql: "INSERT INTO vehicle (plate, firm_id, vehicle_class, first_seen) VALUES (?, ?, ?, ?)")
                    .execute(arguments: [v.plate, v.firmID, v.vehicleClass, v.firstSeen])
            }
            for o in dump.owners {
                try db.cachedStatement(sql: "INSERT INTO vehicle_owner (compact_plate, firm_id, since) VALUES (?, ?, ?)")
                    .execute(arguments: [o.compactPlate, o.firmID, o.since])
            }
            for r in dump.renewalRuns {
                try db.execute(sql: """
                    INSERT INTO renewal_run (id, order_number, order_end, started_at, started_by) VALUES (?, ?, ?, ?, ?)
                    """, arguments: [r.id, r.orderNumber, r.orderEnd, r.startedAt, r.startedBy])
            }
            for (p, run) in dump.permits {
                try db.cachedStatement(sql: """
                    INSERT INTO permit (serial, firm_id, plate, vehicle_class, driver_name, driver_id, test_at, zones,
                        purpose, window_start, window_end, station, issuer, issued_at, not_before, expires_at, kid, code,
                        replaces, renewed_from, issued_by, renewal_run, code_hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [
                        p.serial, p.firmID, p.plate, p.vehicleClass, p.driverName, p.driverID, p.testAt, p.zones,
                        p.purpose, p.windowStart, p.windowEnd, p.station, p.issuer, p.issuedAt, p.notBefore,
                        p.expiresAt, p.kid, p.code, p.replaces, p.renewedFrom, p.issuedBy, run,
                        PermitCodeHash.of(p.code).map { Data($0) },
                    ])
            }
            // Revocations before live passes: a revocation's trigger removes its permit's live row.
            for r in dump.revocations {
                try db.cachedStatement(sql: """
                    INSERT INTO revocation (serial, revoked_at, reason, revoked_by, note) VALUES (?, ?, ?, ?, ?)
                    """).execute(arguments: [r.serial, r.revokedAt, r.reason, r.revokedBy, r.note])
            }
            for l in dump.livePasses {
                try db.cachedStatement(sql: "INSERT INTO live_pass (compact_plate, serial, expires_at) VALUES (?, ?, ?)")
                    .execute(arguments: [l.compactPlate, l.serial, l.expiresAt])
            }
            for c in dump.counters {
                try db.execute(sql: "INSERT INTO serial_counter (prefix, next) VALUES (?, ?)", arguments: [c.prefix, c.next])
            }
            for l in dump.listSequences {
                try db.execute(sql: "INSERT INTO revocation_list_sequence (kid, sequence) VALUES (?, ?)",
                               arguments: [l.kid, l.sequence])
            }
            for a in dump.auditLog {
                try db.cachedStatement(sql: """
                    INSERT INTO audit_log (id, at, pinned_at, actor, on_behalf_of, action, subject, detail)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [a.id, a.at, a.pinnedAt, a.actor, a.onBehalfOf, a.action, a.subject, a.detail])
            }
        }
    }
}
