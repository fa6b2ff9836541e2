import Foundation
import GRDB
import GreenlaneStore
#if canImport(Glibc)
import Glibc
#endif

/// The registry's schema, as named migrations. A shipped migration is never edited: add a new one.
///
/// "Trust SQLite more than yourself": every rule that can be said in SQL is said here, so a bug in
/// the engine cannot store a permit the schema would not allow.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-registry") { db in
            try db.execute(sql: """
                CREATE TABLE firm (
                    id TEXT PRIMARY KEY NOT NULL
                        CHECK (length(id) BETWEEN 1 AND 16 AND id NOT GLOB '*[^A-Z0-9-]*' AND id GLOB '[A-Z0-9]*'),
                    legal_name TEXT NOT NULL CHECK (length(trim(legal_name)) > 0),
                    kind TEXT NOT NULL CHECK (kind IN ('postal', 'telecom')),
                    licence TEXT NOT NULL UNIQUE CHECK (length(trim(licence)) > 0),
                    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
                    created_at INTEGER NOT NULL
                ) STRICT;

                CREATE TABLE vehicle (
                    plate TEXT PRIMARY KEY NOT NULL CHECK (length(plate) BETWEEN 7 AND 16),
                    firm_id TEXT NOT NULL REFERENCES firm(id),
                    vehicle_class INTEGER NOT NULL CHECK (vehicle_class BETWEEN 1 AND 5),
                    first_seen INTEGER NOT NULL
                ) STRICT;

                CREATE TABLE serial_counter (
                    prefix TEXT PRIMARY KEY NOT NULL,
                    next INTEGER NOT NULL CHECK (next > 0)
                ) STRICT;

                CREATE TABLE permit (
                    serial TEXT PRIMARY KEY NOT NULL CHECK (length(serial) BETWEEN 1 AND 24),
                    firm_id TEXT NOT NULL REFERENCES firm(id),
                    plate TEXT NOT NULL REFERENCES vehicle(plate),
                    vehicle_class INTEGER NOT NULL CHECK (vehicle_class BETWEEN 1 AND 5),
                    driver_name TEXT NOT NULL CHECK (length(driver_name) > 0),
                    driver_id TEXT NOT NULL CHECK (length(driver_id) = 12 AND driver_id NOT GLOB '*[^0-9]*'),
                    test_at INTEGER NOT NULL,
                    zones INTEGER NOT NULL CHECK (zones > 0 AND zones < 1073741824),
                    purpose INTEGER NOT NULL CHECK (purpose BETWEEN 1 AND 3),
                    window_start INTEGER CHECK (window_start BETWEEN 0 AND 1439),
                    window_end INTEGER CHECK (window_end BETWEEN 0 AND 1440),
                    station TEXT NOT NULL,
                    issuer TEXT NOT NULL,
                    issued_at INTEGER NOT NULL,
                    not_before INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    kid TEXT NOT NULL CHECK (length(kid) = 16),
                    code TEXT NOT NULL UNIQUE CHECK (code GLOB 'GL1:*'),
                    replaces TEXT REFERENCES permit(serial),
                    renewed_from TEXT REFERENCES permit(serial),
                    issued_by TEXT NOT NULL,
                    CHECK ((window_start IS NULL) = (window_end IS NULL)),
                    CHECK (not_before < expires_at),
                    CHECK (issued_at < expires_at)
                ) STRICT;
                CREATE INDEX permit_by_firm ON permit(firm_id, serial);
                CREATE INDEX permit_by_plate ON permit(plate, expires_at);
                CREATE INDEX permit_by_validity ON permit(not_before, expires_at);
                CREATE INDEX permit_by_issue_time ON permit(issued_at);

                CREATE TABLE revocation (
                    serial TEXT PRIMARY KEY NOT NULL REFERENCES permit(serial),
                    revoked_at INTEGER NOT NULL,
                    reason TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 64),
                    revoked_by TEXT NOT NULL
                ) STRICT;

                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    subject TEXT,
                    detail TEXT
                ) STRICT;
                CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                CREATE TRIGGER permit_no_delete BEFORE DELETE ON permit
                    BEGIN SELECT RAISE(ABORT, 'permits are never deleted; revoke them'); END;
                CREATE TRIGGER revocation_no_delete BEFORE DELETE ON revocation
                    BEGIN SELECT RAISE(ABORT, 'revocations are never deleted'); END;
                """)
        }
        migrator.registerMigration("v2-permit-by-compact-plate") { db in
            // `list --plate 29c12345` compares letters and digits only; without an index on that very
            // expression it read every permit (0.45 s for a million).
            try db.execute(sql: "CREATE INDEX permit_by_compact_plate ON permit(\(compactPlateSQL))")
        }
        migrator.registerMigration("v3-audit-truth") { db in
            try db.execute(sql: Schema.auditTruthSQL)
            // Entries written before this migration hold one time, which may have been a pinned clock, and a
            // "who" that was $USER or --actor. Say so in the log itself, where an auditor reads it.
            if try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_log") ?? 0 > 0 {
                try db.execute(
                    sql: "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
                    arguments: [Int64(time(nil)), AuditContext.processAccount(), "registry.migrate", "v3-audit-truth",
                                "earlier entries: time as given by --clock (maybe pinned), who as $USER or --actor"])
            }
        }
        migrator.registerMigration("v4-append-only-updates") { db in
            // v1 refused deleting a permit or a revocation but not changing one: an edited code, expiry or
            // plate is worse than a deleted row, since the registry would then vouch for what was never
            // issued. Nothing in greenlane updates either table. Like every trigger, these stop mistakes and
            // the application, not someone holding the file, who can drop them.
            try db.execute(sql: """
                CREATE TRIGGER permit_no_update BEFORE UPDATE ON permit
                    BEGIN SELECT RAISE(ABORT, 'permits are never changed; revoke and issue a new one'); END;
                CREATE TRIGGER revocation_no_update BEFORE UPDATE ON revocation
                    BEGIN SELECT RAISE(ABORT, 'revocations are never changed'); END;
                """)
        }
        migrator.registerMigration("v5-registry-settings") { db in
            try db.execute(sql: Schema.registrySettingsSQL)
            // A registry from before `registry init` whose permits all name one issuer, station and prefix
            // adopts them; any other keeps working for auditors and waits for `registry init` to say.
            let row = try Row.fetchOne(db, sql: """
                SELECT count(DISTINCT issuer), count(DISTINCT station), min(issuer), min(station),
                    (SELECT count(*) FROM serial_counter), (SELECT min(prefix) FROM serial_counter)
                FROM permit
                """)
            if let row, row[0] as Int == 1, row[1] as Int == 1, row[4] as Int == 1,
                let prefix = row[5] as String?, RegistrySettings.isSerialPrefix(prefix)
            {
                try db.execute(sql: """
                    INSERT INTO registry_settings (id, issuer, station, serial_prefix, created_at) VALUES (1, ?, ?, ?, ?)
                    """, arguments: [row[2] as String, row[3] as String, prefix, Int64(time(nil))])
            }
        }
        migrator.registerMigration("v6-one-live-pass-per-vehicle") { db in
            try db.execute(sql: Schema.oneLivePassSQL)
        }
        migrator.registerMigration("v7-renewal-runs") { db in
            try db.execute(sql: Schema.renewalRunsSQL)
        }
        migrator.registerMigration("v8-revocation-list-sequence") { db in
            try db.execute(sql: Schema.revocationListSequenceSQL)
        }
        // v9, not v8: main's v8-revocation-list-sequence (issue 11) shipped first; named migrations run in order
        // of registration, so a merge keeps that one before this. GRDB runs it with foreign keys off (the table
        // is rebuilt under other tables' references) and checks every foreign key before it commits.
        migrator.registerMigration("v9-permit-code-hash", foreignKeyChecks: .deferred) { db in
            db.add(function: DatabaseFunction("greenlane_code_hash", argumentCount: 1, pure: true) { values in
                guard let code = String.fromDatabaseValue(values[0]), let hash = PermitCodeHash.of(code) else {
                    throw RegistryError(.invalidValue, "a stored code cannot be read to compute its hash")
                }
                return Data(hash)
            })
            try db.execute(sql: Schema.permitCodeHashSQL)
        }
        migrator.registerMigration("v10-service-credentials-and-requests") { db in
            try db.execute(sql: Schema.serviceSQL)
        }
        migrator.registerMigration("v11-service-idempotency-rate-buckets-auth-failures") { db in
            try db.execute(sql: Schema.serviceLimitsSQL)
        }
        migrator.registerMigration("v12-endorsement-and-decisions", foreignKeyChecks: .deferred) { db in
            try db.execute(sql: Schema.endorsementSQL)
        }
        migrator.registerMigration("v13-permit-validity-indexes") { db in
            try db.execute(sql: Schema.validityIndexesSQL)
        }
        migrator.registerMigration("v14-drop-permit-by-plate") { db in
            // `permit_by_plate (plate, expires_at)` served no query: `list --plate` compares the compact plate
            // (permit_by_compact_plate), the foreign key to vehicle(plate) is checked through vehicle's own key,
            // and no vehicle's plate is ever changed or deleted (which would search permits by plate). One B-tree
            // fewer for every issue to write (BENCHMARKS.md, issue 13); the PostgreSQL schema never had it.
            try db.execute(sql: "DROP INDEX permit_by_plate")
        }
        return migrator
    }

    /// `v13-permit-validity-indexes`: what makes "valid at a time" a short range instead of half the table
    /// (`permitPage`, docs/STORE.md): the longest validity any permit has, by an index on its length (so its
    /// maximum is one look-up), and serials in the validity index (so the smallest serial valid at a time is read
    /// from the index alone).
    static let validityIndexesSQL = """
        CREATE INDEX permit_by_validity_length ON permit(expires_at - not_before);
        DROP INDEX permit_by_validity;
        CREATE INDEX permit_by_validity ON permit(not_before, expires_at, serial);
        """

    /// `v12-endorsement-and-decisions`: endorsers (a role bound to a sector: the credential table is rebuilt,
    /// since SQLite cannot change a CHECK, with its triggers as they were and the sector kept from change too);
    /// on each request whether it needs its sector's endorsement (fixed at submission), who endorsed it and when
    /// (once), a refusal's reason code and note, and its `stage` (generated, indexed: the queue reads it oldest
    /// first). Triggers keep an approval behind its endorsement and a refusal with its reason.
    static let endorsementSQL = """
        CREATE TABLE service_credential_new (
            id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 4 AND 64 AND id NOT GLOB '*[^a-z0-9-]*'),
            token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
            firm_id TEXT REFERENCES firm(id),
            role TEXT NOT NULL CHECK (role IN ('dispatcher', 'endorser', 'officer', 'auditor', 'admin')),
            label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
            created_at INTEGER NOT NULL,
            revoked_at INTEGER,
            sector TEXT CHECK (sector IN ('postal', 'telecom')),
            CHECK ((role = 'dispatcher') = (firm_id IS NOT NULL)),
            CHECK ((role = 'endorser') = (sector IS NOT NULL))
        ) STRICT;
        INSERT INTO service_credential_new (id, token_hash, firm_id, role, label, created_at, revoked_at)
            SELECT id, token_hash, firm_id, role, label, created_at, revoked_at FROM service_credential;
        DROP TABLE service_credential;
        ALTER TABLE service_credential_new RENAME TO service_credential;
        CREATE TRIGGER service_credential_revoked_once BEFORE UPDATE ON service_credential
            WHEN OLD.revoked_at IS NOT NULL OR NEW.id IS NOT OLD.id OR NEW.token_hash IS NOT OLD.token_hash
                OR NEW.firm_id IS NOT OLD.firm_id OR NEW.role IS NOT OLD.role OR NEW.sector IS NOT OLD.sector
            BEGIN SELECT RAISE(ABORT, 'a credential is only ever revoked, once'); END;
        CREATE TRIGGER service_credential_no_delete BEFORE DELETE ON service_credential
            BEGIN SELECT RAISE(ABORT, 'credentials are never deleted'); END;

        ALTER TABLE service_request ADD COLUMN needs_endorsement INTEGER NOT NULL DEFAULT 0
            CHECK (needs_endorsement IN (0, 1));
        ALTER TABLE service_request ADD COLUMN endorsed_by TEXT;
        ALTER TABLE service_request ADD COLUMN endorsed_at INTEGER;
        ALTER TABLE service_request ADD COLUMN refusal_reason TEXT
            CHECK (length(refusal_reason) BETWEEN 1 AND 64 AND refusal_reason NOT GLOB '*[^A-Za-z0-9.-]*');
        ALTER TABLE service_request ADD COLUMN refusal_note TEXT CHECK (length(refusal_note) BETWEEN 1 AND 500);
        ALTER TABLE service_request ADD COLUMN stage TEXT GENERATED ALWAYS AS (
            CASE WHEN status <> 'pending' THEN NULL
                 WHEN needs_endorsement = 1 AND endorsed_at IS NULL THEN 'endorsement' ELSE 'approval' END) VIRTUAL;
        CREATE INDEX service_request_queue ON service_request(stage, created_at, id);
        CREATE INDEX service_request_by_firm ON service_request(firm_id, created_at, id);
        CREATE INDEX service_request_by_time ON service_request(created_at, id);
        CREATE TRIGGER service_request_endorsed_once BEFORE UPDATE ON service_request
            WHEN NEW.needs_endorsement IS NOT OLD.needs_endorsement
                OR (OLD.endorsed_at IS NOT NULL AND (NEW.endorsed_at IS NOT OLD.endorsed_at
                    OR NEW.endorsed_by IS NOT OLD.endorsed_by))
                OR (NEW.endorsed_at IS NOT NULL AND OLD.needs_endorsement = 0)
            BEGIN SELECT RAISE(ABORT, 'a request is endorsed once, and only when it needs it'); END;
        CREATE TRIGGER service_request_endorsed_before_approval BEFORE UPDATE ON service_request
            WHEN NEW.status = 'approved' AND OLD.needs_endorsement = 1 AND OLD.endorsed_at IS NULL
            BEGIN SELECT RAISE(ABORT, 'a request is approved only after its endorsement'); END;
        CREATE TRIGGER service_request_refused_with_reason BEFORE UPDATE ON service_request
            WHEN NEW.status = 'refused' AND NEW.refusal_reason IS NULL
            BEGIN SELECT RAISE(ABORT, 'a refusal has a reason code'); END;
        """

    /// `v10-service-credentials-and-requests`: the issuing service's API tokens and enrolment codes (SHA-256
    /// hashes only, never the secrets), and the requests firms submit with their rows. A credential is revoked
    /// once and never unrevoked or deleted; an enrolment is used once; a request is decided once; a row's
    /// serial, once set, stays (triggers). An idempotency key is unique per credential.
    static let serviceSQL = """
        CREATE TABLE service_credential (
            id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 4 AND 64 AND id NOT GLOB '*[^a-z0-9-]*'),
            token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
            firm_id TEXT REFERENCES firm(id),
            role TEXT NOT NULL CHECK (role IN ('dispatcher', 'officer', 'auditor', 'admin')),
            label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
            created_at INTEGER NOT NULL,
            revoked_at INTEGER,
            CHECK ((role = 'dispatcher') = (firm_id IS NOT NULL))
        ) STRICT;
        CREATE TRIGGER service_credential_revoked_once BEFORE UPDATE ON service_credential
            WHEN OLD.revoked_at IS NOT NULL OR NEW.id IS NOT OLD.id OR NEW.token_hash IS NOT OLD.token_hash
                OR NEW.firm_id IS NOT OLD.firm_id OR NEW.role IS NOT OLD.role
            BEGIN SELECT RAISE(ABORT, 'a credential is only ever revoked, once'); END;
        CREATE TRIGGER service_credential_no_delete BEFORE DELETE ON service_credential
            BEGIN SELECT RAISE(ABORT, 'credentials are never deleted'); END;

        CREATE TABLE service_enrolment (
            code_hash BLOB PRIMARY KEY NOT NULL CHECK (length(code_hash) = 32),
            firm_id TEXT NOT NULL REFERENCES firm(id),
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            used_at INTEGER,
            credential_id TEXT REFERENCES service_credential(id),
            CHECK ((used_at IS NULL) = (credential_id IS NULL))
        ) STRICT;
        CREATE TRIGGER service_enrolment_used_once BEFORE UPDATE ON service_enrolment
            WHEN OLD.used_at IS NOT NULL
            BEGIN SELECT RAISE(ABORT, 'an enrolment code is used once'); END;

        CREATE TABLE service_request (
            id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 4 AND 64),
            firm_id TEXT NOT NULL REFERENCES firm(id),
            credential_id TEXT NOT NULL REFERENCES service_credential(id),
            idempotency_key TEXT CHECK (length(idempotency_key) BETWEEN 1 AND 255),
            body_hash BLOB NOT NULL CHECK (length(body_hash) = 32),
            status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'refused')),
            created_at INTEGER NOT NULL,
            decided_by TEXT,
            decided_at INTEGER,
            UNIQUE (credential_id, idempotency_key)
        ) STRICT;
        CREATE TRIGGER service_request_decided_once BEFORE UPDATE ON service_request
            WHEN OLD.status <> 'pending'
            BEGIN SELECT RAISE(ABORT, 'a request is decided once'); END;
        CREATE TABLE service_request_row (
            request_id TEXT NOT NULL REFERENCES service_request(id),
            row_index INTEGER NOT NULL CHECK (row_index >= 0),
            payload TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('accepted', 'refused', 'issued', 'not-issued')),
            detail TEXT,
            serial TEXT REFERENCES permit(serial),
            PRIMARY KEY (request_id, row_index),
            CHECK ((status = 'issued') = (serial IS NOT NULL))
        ) STRICT;
        CREATE TRIGGER service_request_row_settled_once BEFORE UPDATE ON service_request_row
            WHEN OLD.status IN ('refused', 'issued', 'not-issued')
            BEGIN SELECT RAISE(ABORT, 'a request row is settled once'); END;
        """

    /// `v11-service-idempotency-rate-buckets-auth-failures`: what the service's instances share so its limits
    /// hold across them. An idempotency key, per scope (a credential), with the fingerprint of what was asked and,
    /// once finished, the answer (without its body when that carried a secret); a finished key never changes. A
    /// token bucket per credential or firm. Failed authentications, one row per source and minute.
    static let serviceLimitsSQL = """
        CREATE TABLE service_idempotency (
            scope TEXT NOT NULL CHECK (length(scope) BETWEEN 1 AND 100),
            key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
            fingerprint BLOB NOT NULL CHECK (length(fingerprint) = 32),
            claimed_at INTEGER NOT NULL,
            finished_at INTEGER,
            status INTEGER CHECK (status BETWEEN 100 AND 599),
            content_type TEXT,
            body BLOB,
            PRIMARY KEY (scope, key),
            CHECK ((finished_at IS NULL) = (status IS NULL))
        ) STRICT;
        CREATE TRIGGER service_idempotency_finished_once BEFORE UPDATE ON service_idempotency
            WHEN OLD.finished_at IS NOT NULL
            BEGIN SELECT RAISE(ABORT, 'a finished idempotency key keeps its answer'); END;
        CREATE TABLE service_rate_bucket (
            name TEXT PRIMARY KEY NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
            tokens REAL NOT NULL CHECK (tokens >= 0),
            updated_ms INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE service_auth_failure (
            source TEXT NOT NULL CHECK (length(source) BETWEEN 1 AND 64),
            minute INTEGER NOT NULL,
            count INTEGER NOT NULL CHECK (count > 0),
            PRIMARY KEY (source, minute)
        ) STRICT;
        """

    /// `v5-registry-settings`: what `registry init` records, once: the issuer every pass names, the station
    /// this registry issues for and its serial prefix, and the group that may read the file. Never changed.
    static let registrySettingsSQL = """
        CREATE TABLE registry_settings (
            id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
            issuer TEXT NOT NULL CHECK (length(issuer) BETWEEN 1 AND 64),
            station TEXT NOT NULL CHECK (length(station) BETWEEN 1 AND 24 AND station NOT GLOB '*[^A-Z0-9-]*'),
            serial_prefix TEXT NOT NULL
                CHECK (length(serial_prefix) BETWEEN 1 AND 6 AND serial_prefix NOT GLOB '*[^A-Z0-9]*'),
            file_group TEXT CHECK (length(file_group) BETWEEN 1 AND 64),
            created_at INTEGER NOT NULL
        ) STRICT;
        CREATE TRIGGER registry_settings_no_update BEFORE UPDATE ON registry_settings
            BEGIN SELECT RAISE(ABORT, 'registry settings are fixed at registry init'); END;
        CREATE TRIGGER registry_settings_no_delete BEFORE DELETE ON registry_settings
            BEGIN SELECT RAISE(ABORT, 'registry settings are fixed at registry init'); END;
        """

    /// `v6-one-live-pass-per-vehicle`: the vehicle is its compact plate (letters and digits) whatever class
    /// was declared. `vehicle_owner` says which firm a vehicle belongs to (changed only by an audited
    /// transfer). `live_pass` holds at most one row per vehicle, the pass that is live: its primary key is the
    /// rule, so it holds with several writers on any SQL engine (on PostgreSQL two transactions inserting the
    /// same plate conflict on the key and one fails), not only under SQLite's single writer. Issuing inserts
    /// the row in the permit's transaction (after removing an expired one); a revocation removes it in the
    /// revocation's transaction, by the trigger below. Filled from the permits that are not revoked (the
    /// latest-expiring per vehicle, where older versions let two exist).
    static let oneLivePassSQL = """
        CREATE TABLE vehicle_owner (
            compact_plate TEXT PRIMARY KEY NOT NULL
                CHECK (length(compact_plate) BETWEEN 6 AND 12 AND compact_plate NOT GLOB '*[^A-Z0-9]*'),
            firm_id TEXT NOT NULL REFERENCES firm(id),
            since INTEGER NOT NULL
        ) STRICT;
        INSERT INTO vehicle_owner (compact_plate, firm_id, since)
            SELECT c, firm_id, min(first_seen) FROM (SELECT \(compactPlateSQL) AS c, firm_id, first_seen FROM vehicle)
            GROUP BY c;
        CREATE TABLE live_pass (
            compact_plate TEXT PRIMARY KEY NOT NULL REFERENCES vehicle_owner(compact_plate),
            serial TEXT NOT NULL UNIQUE REFERENCES permit(serial),
            expires_at INTEGER NOT NULL
        ) STRICT;
        INSERT INTO live_pass (compact_plate, serial, expires_at)
            SELECT c, serial, max(expires_at) FROM (
                SELECT \(compactPlateSQL) AS c, p.serial, p.expires_at FROM permit p
                WHERE NOT EXISTS (SELECT 1 FROM revocation r WHERE r.serial = p.serial))
            GROUP BY c;
        CREATE TRIGGER revocation_ends_live_pass AFTER INSERT ON revocation
            BEGIN DELETE FROM live_pass WHERE serial = NEW.serial; END;
        """

    /// `v7-renewal-runs`: a renewal run is one order's extension (its number and new end): a rerun or a second
    /// operator renewing to the same end joins the same run. A permit records the run that issued it, and a
    /// permit is renewed at most once (the unique index), so no rerun can revoke what a run handed out.
    /// `v8-revocation-list-sequence`: the last sequence number each signing key (by kid) gave a revocation list.
    /// Checkpoints refuse a list whose sequence is below one they have seen, so it only grows, per signer.
    static let revocationListSequenceSQL = """
        CREATE TABLE revocation_list_sequence (
            kid TEXT PRIMARY KEY NOT NULL CHECK (length(kid) = 16),
            sequence INTEGER NOT NULL CHECK (sequence > 0)
        ) STRICT;
        CREATE TRIGGER revocation_list_sequence_grows BEFORE UPDATE ON revocation_list_sequence
            WHEN NEW.sequence <= OLD.sequence
            BEGIN SELECT RAISE(ABORT, 'a revocation list sequence only grows'); END;
        """

    static let renewalRunsSQL = """
        CREATE TABLE renewal_run (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            order_number TEXT NOT NULL CHECK (length(order_number) BETWEEN 1 AND 200),
            order_end INTEGER NOT NULL,
            started_at INTEGER NOT NULL,
            started_by TEXT NOT NULL,
            UNIQUE (order_number, order_end)
        ) STRICT;
        ALTER TABLE permit ADD COLUMN renewal_run INTEGER REFERENCES renewal_run(id);
        CREATE UNIQUE INDEX permit_renewed_once ON permit(renewed_from) WHERE renewed_from IS NOT NULL;
        """

    /// `v9-permit-code-hash`: a code is unique by a 16-byte hash of its COSE bytes (`PermitCodeHash`) instead of
    /// its full text (about 370 bytes a permit twice over, in a B-tree that every issue wrote all over): the
    /// permit table is rebuilt with `code_hash`, its indexes and its append-only triggers as they were.
    static let permitCodeHashSQL = """
        CREATE TABLE permit_new (
            serial TEXT PRIMARY KEY NOT NULL CHECK (length(serial) BETWEEN 1 AND 24),
            firm_id TEXT NOT NULL REFERENCES firm(id),
            plate TEXT NOT NULL REFERENCES vehicle(plate),
            vehicle_class INTEGER NOT NULL CHECK (vehicle_class BETWEEN 1 AND 5),
            driver_name TEXT NOT NULL CHECK (length(driver_name) > 0),
            driver_id TEXT NOT NULL CHECK (length(driver_id) = 12 AND driver_id NOT GLOB '*[^0-9]*'),
            test_at INTEGER NOT NULL,
            zones INTEGER NOT NULL CHECK (zones > 0 AND zones < 1073741824),
            purpose INTEGER NOT NULL CHECK (purpose BETWEEN 1 AND 3),
            window_start INTEGER CHECK (window_start BETWEEN 0 AND 1439),
            window_end INTEGER CHECK (window_end BETWEEN 0 AND 1440),
            station TEXT NOT NULL,
            issuer TEXT NOT NULL,
            issued_at INTEGER NOT NULL,
            not_before INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            kid TEXT NOT NULL CHECK (length(kid) = 16),
            code TEXT NOT NULL CHECK (code GLOB 'GL1:*'),
            replaces TEXT REFERENCES permit(serial),
            renewed_from TEXT REFERENCES permit(serial),
            issued_by TEXT NOT NULL,
            renewal_run INTEGER REFERENCES renewal_run(id),
            code_hash BLOB NOT NULL UNIQUE CHECK (length(code_hash) = 16),
            CHECK ((window_start IS NULL) = (window_end IS NULL)),
            CHECK (not_before < expires_at),
            CHECK (issued_at < expires_at)
        ) STRICT;
        INSERT INTO permit_new
            SELECT serial, firm_id, plate, vehicle_class, driver_name, driver_id, test_at, zones, purpose, window_start,
                window_end, station, issuer, issued_at, not_before, expires_at, kid, code, replaces, renewed_from,
                issued_by, renewal_run, greenlane_code_hash(code)
            FROM permit;
        DROP TABLE permit;
        ALTER TABLE permit_new RENAME TO permit;
        CREATE INDEX permit_by_firm ON permit(firm_id, serial);
        CREATE INDEX permit_by_plate ON permit(plate, expires_at);
        CREATE INDEX permit_by_validity ON permit(not_before, expires_at);
        CREATE INDEX permit_by_issue_time ON permit(issued_at);
        CREATE INDEX permit_by_compact_plate ON permit(\(compactPlateSQL));
        CREATE UNIQUE INDEX permit_renewed_once ON permit(renewed_from) WHERE renewed_from IS NOT NULL;
        CREATE TRIGGER permit_no_delete BEFORE DELETE ON permit
            BEGIN SELECT RAISE(ABORT, 'permits are never deleted; revoke them'); END;
        CREATE TRIGGER permit_no_update BEFORE UPDATE ON permit
            BEGIN SELECT RAISE(ABORT, 'permits are never changed; revoke and issue a new one'); END;
        """

    /// `v3-audit-truth`: the audit log's `at` is the real time from here on, `pinned_at` the pinned clock
    /// (NULL when not pinned) and `on_behalf_of` what `--actor` said; a revocation gets an optional note and
    /// its reason must be a code. Triggers, because SQLite cannot add a CHECK to an existing table: new rows
    /// must hold no line break or control character in any text the log shows.
    static let auditTruthSQL = """
        ALTER TABLE audit_log ADD COLUMN pinned_at INTEGER;
        ALTER TABLE audit_log ADD COLUMN on_behalf_of TEXT CHECK (length(on_behalf_of) BETWEEN 1 AND 64);
        ALTER TABLE revocation ADD COLUMN note TEXT CHECK (length(note) BETWEEN 1 AND 500);
        CREATE TRIGGER audit_log_one_line BEFORE INSERT ON audit_log
            WHEN \(hasControlCharacter("NEW.actor")) OR \(hasControlCharacter("NEW.action"))
                OR \(hasControlCharacter("NEW.subject")) OR \(hasControlCharacter("NEW.detail"))
                OR \(hasControlCharacter("NEW.on_behalf_of"))
            BEGIN SELECT RAISE(ABORT, 'audit log text must be one line without control characters'); END;
        CREATE TRIGGER revocation_reason_is_code BEFORE INSERT ON revocation
            WHEN length(NEW.reason) NOT BETWEEN 1 AND 32 OR NEW.reason GLOB '*[^a-z0-9-]*'
                OR \(hasControlCharacter("NEW.note"))
            BEGIN SELECT RAISE(ABORT, 'a revocation reason must be a code (a-z, 0-9, -)'); END;
        """

    /// SQL that is true when `column` holds a C0 control character (line breaks included) or DEL.
    private static func hasControlCharacter(_ column: String) -> String {
        "coalesce(\(column) GLOB '*[' || char(1, 45, 31, 127) || ']*', 0)"
    }

    /// A permit's plate with its separators removed (`29C-123.45` → `29C12345`). Queries must use this exact
    /// text for SQLite to use the index on it.
    static let compactPlateSQL = "replace(replace(replace(plate, '-', ''), '.', ''), ' ', '')"
}
