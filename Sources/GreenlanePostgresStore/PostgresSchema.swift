import GreenlaneFormat
import GreenlaneStore
import GreenlaneSupport
import PostgresNIO

/// The registry's schema on PostgreSQL, as named migrations (applied by `greenlane registry migrate`, as the owner
/// role), and the grants to the application and auditor roles (docs/POSTGRES.md). A shipped migration is never
/// edited: add a new one.
///
/// The same rules as the SQLite schema (Sources/GreenlaneSQLiteStore/Schema.swift), said in PostgreSQL's words, in
/// its final form: a PostgreSQL registry starts at today's schema, so SQLite's history (v1 to v7) is one migration
/// here. Keys and identifiers use the "C" collation, so serials sort byte by byte as on SQLite, whatever the
/// database's locale. Times are Unix seconds (BIGINT), like every record.
enum PostgresSchema {
    struct Migration: Sendable {
        let name: String
        let sql: String
        /// Rows a migration cannot compute in SQL (a hash of a decoded code), filled in Swift between `sql` and
        /// `finishSQL`, in the migration's transaction.
        var backfill: (@Sendable (PostgresConnection) async throws -> Void)? = nil
        var finishSQL: String = ""
    }

    /// In order of application. Named like SQLite's where they do the same (the numbers differ: PostgreSQL
    /// started at SQLite's v7).
    static let migrations: [Migration] = [
        Migration(name: "v1-registry", sql: registrySQL),
        Migration(name: "v2-revocation-list-sequence", sql: revocationListSequenceSQL),
        Migration(name: "v3-permit-code-hash", sql: permitCodeHashSQL, backfill: fillCodeHashes,
                  finishSQL: permitCodeHashFinishSQL),
        Migration(name: "v4-service-credentials-and-requests", sql: serviceSQL),
        Migration(name: "v5-service-idempotency-rate-buckets-auth-failures", sql: serviceLimitsSQL),
        Migration(name: "v6-endorsement-and-decisions", sql: endorsementSQL),
        Migration(name: "v7-permit-validity-indexes", sql: validityIndexesSQL),
    ]

    /// `v7-permit-validity-indexes`, as SQLite's v13: the longest validity by an index on its length, and
    /// serials in the validity index, for "valid at a time" (`permitPage`).
    static let validityIndexesSQL = """
        CREATE INDEX permit_by_validity_length ON permit ((expires_at - not_before));
        DROP INDEX permit_by_validity;
        CREATE INDEX permit_by_validity ON permit (not_before, expires_at, serial);
        """

    /// Rejects text the audit log shows when it holds a C0 control character (line breaks too) or DEL.
    private static func oneLine(_ column: String) -> String { "\(column) !~ '[\\x01-\\x1f\\x7f]'" }

    static let registrySQL = """
        CREATE TABLE registry_settings (
            id BIGINT PRIMARY KEY CHECK (id = 1),
            issuer TEXT NOT NULL CHECK (length(issuer) BETWEEN 1 AND 64 AND issuer ~ '^[!-~]+$'),
            station TEXT NOT NULL CHECK (station ~ '^[A-Z0-9-]{1,24}$'),
            serial_prefix TEXT NOT NULL CHECK (serial_prefix ~ '^[A-Z0-9]{1,6}$'),
            file_group TEXT CHECK (length(file_group) BETWEEN 1 AND 64),
            created_at BIGINT NOT NULL
        );

        CREATE TABLE firm (
            id TEXT COLLATE "C" PRIMARY KEY CHECK (id ~ '^[A-Z0-9][A-Z0-9-]{0,15}$'),
            legal_name TEXT NOT NULL CHECK (length(btrim(legal_name)) > 0),
            kind TEXT NOT NULL CHECK (kind IN ('postal', 'telecom')),
            licence TEXT NOT NULL UNIQUE CHECK (length(btrim(licence)) > 0),
            status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
            created_at BIGINT NOT NULL
        );

        CREATE TABLE vehicle (
            plate TEXT COLLATE "C" PRIMARY KEY CHECK (length(plate) BETWEEN 7 AND 16),
            firm_id TEXT COLLATE "C" NOT NULL REFERENCES firm(id),
            vehicle_class BIGINT NOT NULL CHECK (vehicle_class BETWEEN 1 AND 5),
            first_seen BIGINT NOT NULL
        );

        -- Which firm a vehicle (its compact plate) belongs to; changed only by an audited transfer.
        CREATE TABLE vehicle_owner (
            compact_plate TEXT COLLATE "C" PRIMARY KEY CHECK (compact_plate ~ '^[A-Z0-9]{6,12}$'),
            firm_id TEXT COLLATE "C" NOT NULL REFERENCES firm(id),
            since BIGINT NOT NULL
        );

        -- The next serial per prefix. Not a sequence: a sequence hands out numbers outside the transaction and
        -- never takes them back, so a rolled-back batch would leave gaps. This row is updated inside the issuing
        -- transaction (and locked by it), so a rollback gives its serials back.
        CREATE TABLE serial_counter (
            prefix TEXT COLLATE "C" PRIMARY KEY CHECK (prefix ~ '^[A-Z0-9]{1,6}$'),
            next BIGINT NOT NULL CHECK (next > 0)
        );

        CREATE TABLE renewal_run (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            order_number TEXT NOT NULL CHECK (length(order_number) BETWEEN 1 AND 200),
            order_end BIGINT NOT NULL,
            started_at BIGINT NOT NULL,
            started_by TEXT NOT NULL,
            UNIQUE (order_number, order_end)
        );

        CREATE TABLE permit (
            serial TEXT COLLATE "C" PRIMARY KEY CHECK (length(serial) BETWEEN 1 AND 24),
            firm_id TEXT COLLATE "C" NOT NULL REFERENCES firm(id),
            plate TEXT COLLATE "C" NOT NULL REFERENCES vehicle(plate),
            vehicle_class BIGINT NOT NULL CHECK (vehicle_class BETWEEN 1 AND 5),
            driver_name TEXT NOT NULL CHECK (length(driver_name) > 0),
            driver_id TEXT NOT NULL CHECK (driver_id ~ '^[0-9]{12}$'),
            test_at BIGINT NOT NULL,
            zones BIGINT NOT NULL CHECK (zones > 0 AND zones < 1073741824),
            purpose BIGINT NOT NULL CHECK (purpose BETWEEN 1 AND 3),
            window_start BIGINT CHECK (window_start BETWEEN 0 AND 1439),
            window_end BIGINT CHECK (window_end BETWEEN 0 AND 1440),
            station TEXT NOT NULL,
            issuer TEXT NOT NULL,
            issued_at BIGINT NOT NULL,
            not_before BIGINT NOT NULL,
            expires_at BIGINT NOT NULL,
            kid TEXT NOT NULL CHECK (length(kid) = 16),
            code TEXT NOT NULL UNIQUE CHECK (code LIKE 'GL1:%'),
            replaces TEXT COLLATE "C" REFERENCES permit(serial),
            renewed_from TEXT COLLATE "C" REFERENCES permit(serial),
            issued_by TEXT NOT NULL,
            renewal_run BIGINT REFERENCES renewal_run(id),
            CHECK ((window_start IS NULL) = (window_end IS NULL)),
            CHECK (not_before < expires_at),
            CHECK (issued_at < expires_at)
        );
        CREATE INDEX permit_by_firm ON permit (firm_id, serial);
        CREATE INDEX permit_by_compact_plate ON permit ((translate(plate, '-. ', '')), serial);
        CREATE INDEX permit_by_validity ON permit (not_before, expires_at);
        CREATE INDEX permit_by_issue_time ON permit (issued_at);
        -- A permit is renewed at most once, whatever two renewal runs decide at the same time.
        CREATE UNIQUE INDEX permit_renewed_once ON permit (renewed_from) WHERE renewed_from IS NOT NULL;

        CREATE TABLE revocation (
            serial TEXT COLLATE "C" PRIMARY KEY REFERENCES permit(serial),
            revoked_at BIGINT NOT NULL,
            reason TEXT NOT NULL CHECK (reason ~ '^[a-z0-9-]{1,32}$'),
            revoked_by TEXT NOT NULL,
            note TEXT CHECK (length(note) BETWEEN 1 AND 500 AND \(oneLine("note")))
        );

        -- At most one row per vehicle: the pass that is live. Its primary key is the rule's backstop: two
        -- transactions inserting the same vehicle conflict on it and one fails.
        CREATE TABLE live_pass (
            compact_plate TEXT COLLATE "C" PRIMARY KEY REFERENCES vehicle_owner(compact_plate),
            serial TEXT COLLATE "C" NOT NULL UNIQUE REFERENCES permit(serial),
            expires_at BIGINT NOT NULL
        );

        CREATE TABLE audit_log (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            at BIGINT NOT NULL,
            pinned_at BIGINT,
            actor TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 256 AND \(oneLine("actor"))),
            on_behalf_of TEXT CHECK (length(on_behalf_of) BETWEEN 1 AND 64 AND \(oneLine("on_behalf_of"))),
            action TEXT NOT NULL CHECK (length(action) BETWEEN 1 AND 1000 AND \(oneLine("action"))),
            subject TEXT CHECK (length(subject) <= 1000 AND \(oneLine("subject"))),
            detail TEXT CHECK (length(detail) <= 1000 AND \(oneLine("detail")))
        );
        CREATE INDEX audit_log_by_action ON audit_log (action text_pattern_ops, id);

        -- Append-only, for every role, the owner included (privileges keep the application role from even
        -- trying; these stop the owner's mistakes, not someone who drops them).
        CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation'; END $$;
        CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
            FOR EACH ROW EXECUTE FUNCTION refuse_change('the audit log is append-only');
        CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
            FOR EACH STATEMENT EXECUTE FUNCTION refuse_change('the audit log is append-only');
        CREATE TRIGGER permit_never_changed BEFORE UPDATE OR DELETE ON permit
            FOR EACH ROW EXECUTE FUNCTION refuse_change('permits are never changed or deleted; revoke them');
        CREATE TRIGGER permit_no_truncate BEFORE TRUNCATE ON permit
            FOR EACH STATEMENT EXECUTE FUNCTION refuse_change('permits are never deleted');
        CREATE TRIGGER revocation_never_changed BEFORE UPDATE OR DELETE ON revocation
            FOR EACH ROW EXECUTE FUNCTION refuse_change('revocations are never changed or deleted');
        CREATE TRIGGER revocation_no_truncate BEFORE TRUNCATE ON revocation
            FOR EACH STATEMENT EXECUTE FUNCTION refuse_change('revocations are never deleted');
        CREATE TRIGGER registry_settings_fixed BEFORE UPDATE OR DELETE ON registry_settings
            FOR EACH ROW EXECUTE FUNCTION refuse_change('registry settings are fixed at registry init');

        -- A revocation ends the vehicle's live pass, in the revocation's transaction.
        CREATE FUNCTION revocation_ends_live_pass() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
            BEGIN DELETE FROM live_pass WHERE serial = NEW.serial; RETURN NEW; END $$;
        CREATE TRIGGER revocation_ends_live_pass AFTER INSERT ON revocation
            FOR EACH ROW EXECUTE FUNCTION revocation_ends_live_pass();
        """

    /// `v2-revocation-list-sequence`: the last sequence number each signing key (by kid) gave a revocation
    /// list. Checkpoints refuse a list whose sequence is below one they have seen, so it only grows, per signer.
    static let revocationListSequenceSQL = """
        CREATE TABLE revocation_list_sequence (
            kid TEXT COLLATE "C" PRIMARY KEY CHECK (kid ~ '^[0-9a-f]{16}$'),
            sequence BIGINT NOT NULL CHECK (sequence > 0)
        );
        CREATE TRIGGER revocation_list_sequence_grows BEFORE UPDATE ON revocation_list_sequence
            FOR EACH ROW WHEN (NEW.sequence <= OLD.sequence OR NEW.kid <> OLD.kid)
            EXECUTE FUNCTION refuse_change('a revocation list sequence only grows');
        CREATE TRIGGER revocation_list_sequence_kept BEFORE DELETE ON revocation_list_sequence
            FOR EACH ROW EXECUTE FUNCTION refuse_change('a revocation list sequence is never deleted');
        CREATE TRIGGER revocation_list_sequence_no_truncate BEFORE TRUNCATE ON revocation_list_sequence
            FOR EACH STATEMENT EXECUTE FUNCTION refuse_change('a revocation list sequence is never deleted');
        """

    /// `v3-permit-code-hash`: a code is unique by a 16-byte hash of its COSE bytes (`PermitCodeHash`, as on
    /// SQLite's v9) instead of its full text (about 370 bytes a permit in a B-tree every issue writes into). The
    /// column is added, filled in Swift for the permits already there (the append-only trigger is switched off
    /// for that, inside this transaction only), then made NOT NULL and UNIQUE; the unique key on the text goes.
    static let permitCodeHashSQL = """
        ALTER TABLE permit ADD COLUMN code_hash BYTEA CHECK (length(code_hash) = 16);
        """

    static let permitCodeHashFinishSQL = """
        ALTER TABLE permit ALTER COLUMN code_hash SET NOT NULL;
        ALTER TABLE permit ADD CONSTRAINT permit_code_hash_key UNIQUE (code_hash);
        ALTER TABLE permit DROP CONSTRAINT permit_code_key;
        """

    @Sendable static func fillCodeHashes(_ connection: PostgresConnection) async throws {
        let logger = PostgresStore.logger
        try await connection.query("ALTER TABLE permit DISABLE TRIGGER permit_never_changed", logger: logger)
        while true {
            let rows = try await connection.query(
                "SELECT serial, code FROM permit WHERE code_hash IS NULL ORDER BY serial LIMIT 5000", logger: logger
            ).collect()
            if rows.isEmpty { break }
            var serials: [String] = []
            var hashes: [String] = []
            for row in rows {
                let (serial, code) = try row.decode((String, String).self)
                guard let hash = PermitCodeHash.of(code) else {
                    throw RegistryError(.invalidValue, "permit \(serial): its stored code cannot be read to hash it")
                }
                serials.append(serial)
                hashes.append(Hex.encode(hash))
            }
            try await connection.query("""
                UPDATE permit p SET code_hash = decode(v.hash, 'hex')
                FROM unnest(\(serials)::text[], \(hashes)::text[]) AS v(serial, hash) WHERE p.serial = v.serial
                """, logger: logger)
        }
        try await connection.query("ALTER TABLE permit ENABLE TRIGGER permit_never_changed", logger: logger)
    }

    /// `v4-service-credentials-and-requests`, as SQLite's v10: the issuing service's API tokens and enrolment
    /// codes (SHA-256 hashes only, never the secrets), and the requests firms submit with their rows. A
    /// credential is revoked once and never unrevoked or deleted; an enrolment is used once; a request is decided
    /// once; a row is settled once (triggers, for every role; the grants give the application role only the
    /// columns those changes touch). An idempotency key is unique per credential.
    static let serviceSQL = """
        CREATE TABLE service_credential (
            id TEXT COLLATE "C" PRIMARY KEY CHECK (id ~ '^[a-z0-9-]{4,64}$'),
            token_hash BYTEA NOT NULL UNIQUE CHECK (length(token_hash) = 32),
            firm_id TEXT COLLATE "C" REFERENCES firm(id),
            role TEXT NOT NULL CHECK (role IN ('dispatcher', 'officer', 'auditor', 'admin')),
            label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 200 AND \(oneLine("label"))),
            created_at BIGINT NOT NULL,
            revoked_at BIGINT,
            CHECK ((role = 'dispatcher') = (firm_id IS NOT NULL))
        );
        CREATE TRIGGER service_credential_revoked_once BEFORE UPDATE ON service_credential
            FOR EACH ROW WHEN (OLD.revoked_at IS NOT NULL OR NEW.id IS DISTINCT FROM OLD.id
                OR NEW.token_hash IS DISTINCT FROM OLD.token_hash OR NEW.firm_id IS DISTINCT FROM OLD.firm_id
                OR NEW.role IS DISTINCT FROM OLD.role)
            EXECUTE FUNCTION refuse_change('a credential is only ever revoked, once');
        CREATE TRIGGER service_credential_no_delete BEFORE DELETE ON service_credential
            FOR EACH ROW EXECUTE FUNCTION refuse_change('credentials are never deleted');
        CREATE TRIGGER service_credential_no_truncate BEFORE TRUNCATE ON service_credential
            FOR EACH STATEMENT EXECUTE FUNCTION refuse_change('credentials are never deleted');

        CREATE TABLE service_enrolment (
            code_hash BYTEA PRIMARY KEY CHECK (length(code_hash) = 32),
            firm_id TEXT COLLATE "C" NOT NULL REFERENCES firm(id),
            created_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL,
            used_at BIGINT,
            credential_id TEXT COLLATE "C" REFERENCES service_credential(id),
            CHECK ((used_at IS NULL) = (credential_id IS NULL))
        );
        CREATE TRIGGER service_enrolment_used_once BEFORE UPDATE ON service_enrolment
            FOR EACH ROW WHEN (OLD.used_at IS NOT NULL)
            EXECUTE FUNCTION refuse_change('an enrolment code is used once');

        CREATE TABLE service_request (
            id TEXT COLLATE "C" PRIMARY KEY CHECK (length(id) BETWEEN 4 AND 64),
            firm_id TEXT COLLATE "C" NOT NULL REFERENCES firm(id),
            credential_id TEXT COLLATE "C" NOT NULL REFERENCES service_credential(id),
            idempotency_key TEXT CHECK (length(idempotency_key) BETWEEN 1 AND 255),
            body_hash BYTEA NOT NULL CHECK (length(body_hash) = 32),
            status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'refused')),
            created_at BIGINT NOT NULL,
            decided_by TEXT,
            decided_at BIGINT,
            UNIQUE (credential_id, idempotency_key)
        );
        CREATE TRIGGER service_request_decided_once BEFORE UPDATE ON service_request
            FOR EACH ROW WHEN (OLD.status <> 'pending')
            EXECUTE FUNCTION refuse_change('a request is decided once');
        CREATE TRIGGER service_request_no_delete BEFORE DELETE ON service_request
            FOR EACH ROW EXECUTE FUNCTION refuse_change('requests are never deleted');

        CREATE TABLE service_request_row (
            request_id TEXT COLLATE "C" NOT NULL REFERENCES service_request(id),
            row_index BIGINT NOT NULL CHECK (row_index >= 0),
            payload TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('accepted', 'refused', 'issued', 'not-issued')),
            detail TEXT,
            serial TEXT COLLATE "C" REFERENCES permit(serial),
            PRIMARY KEY (request_id, row_index),
            CHECK ((status = 'issued') = (serial IS NOT NULL))
        );
        CREATE TRIGGER service_request_row_settled_once BEFORE UPDATE ON service_request_row
            FOR EACH ROW WHEN (OLD.status IN ('refused', 'issued', 'not-issued'))
            EXECUTE FUNCTION refuse_change('a request row is settled once');
        CREATE TRIGGER service_request_row_no_delete BEFORE DELETE ON service_request_row
            FOR EACH ROW EXECUTE FUNCTION refuse_change('request rows are never deleted');
        """

    /// `v5-service-idempotency-rate-buckets-auth-failures`, as SQLite's v11: idempotency keys with the answer
    /// each gave (kept once finished), token buckets, and failed authentications per source and minute. These
    /// are working state, not records: the application role may update and delete them.
    static let serviceLimitsSQL = """
        CREATE TABLE service_idempotency (
            scope TEXT COLLATE "C" NOT NULL CHECK (length(scope) BETWEEN 1 AND 100),
            key TEXT COLLATE "C" NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
            fingerprint BYTEA NOT NULL CHECK (length(fingerprint) = 32),
            claimed_at BIGINT NOT NULL,
            finished_at BIGINT,
            status INTEGER CHECK (status BETWEEN 100 AND 599),
            content_type TEXT,
            body BYTEA,
            PRIMARY KEY (scope, key),
            CHECK ((finished_at IS NULL) = (status IS NULL))
        );
        CREATE TRIGGER service_idempotency_finished_once BEFORE UPDATE ON service_idempotency
            FOR EACH ROW WHEN (OLD.finished_at IS NOT NULL)
            EXECUTE FUNCTION refuse_change('a finished idempotency key keeps its answer');
        CREATE TABLE service_rate_bucket (
            name TEXT COLLATE "C" PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 100),
            tokens DOUBLE PRECISION NOT NULL CHECK (tokens >= 0),
            updated_ms BIGINT NOT NULL
        );
        CREATE TABLE service_auth_failure (
            source TEXT COLLATE "C" NOT NULL CHECK (length(source) BETWEEN 1 AND 64),
            minute BIGINT NOT NULL,
            count BIGINT NOT NULL CHECK (count > 0),
            PRIMARY KEY (source, minute)
        );
        """

    /// `v6-endorsement-and-decisions`, as SQLite's v12: endorsers (a role bound to a sector, which never changes,
    /// as the role does not); on each request whether it needs its sector's endorsement (fixed at submission),
    /// who endorsed it and when (once), a refusal's reason code and note, and its `stage` (generated, indexed: the
    /// queue reads it oldest first). Triggers keep an approval behind its endorsement and a refusal with its reason.
    static let endorsementSQL = """
        ALTER TABLE service_credential DROP CONSTRAINT service_credential_role_check;
        ALTER TABLE service_credential ADD CONSTRAINT service_credential_role_check
            CHECK (role IN ('dispatcher', 'endorser', 'officer', 'auditor', 'admin'));
        ALTER TABLE service_credential ADD COLUMN sector TEXT CHECK (sector IN ('postal', 'telecom'));
        ALTER TABLE service_credential ADD CONSTRAINT service_credential_endorser_sector
            CHECK ((role = 'endorser') = (sector IS NOT NULL));
        DROP TRIGGER service_credential_revoked_once ON service_credential;
        CREATE TRIGGER service_credential_revoked_once BEFORE UPDATE ON service_credential
            FOR EACH ROW WHEN (OLD.revoked_at IS NOT NULL OR NEW.id IS DISTINCT FROM OLD.id
                OR NEW.token_hash IS DISTINCT FROM OLD.token_hash OR NEW.firm_id IS DISTINCT FROM OLD.firm_id
                OR NEW.role IS DISTINCT FROM OLD.role OR NEW.sector IS DISTINCT FROM OLD.sector)
            EXECUTE FUNCTION refuse_change('a credential is only ever revoked, once');

        ALTER TABLE service_request ADD COLUMN needs_endorsement BOOLEAN NOT NULL DEFAULT false;
        ALTER TABLE service_request ADD COLUMN endorsed_by TEXT;
        ALTER TABLE service_request ADD COLUMN endorsed_at BIGINT;
        ALTER TABLE service_request ADD COLUMN refusal_reason TEXT
            CHECK (refusal_reason ~ '^[A-Za-z0-9.-]{1,64}$');
        ALTER TABLE service_request ADD COLUMN refusal_note TEXT
            CHECK (length(refusal_note) BETWEEN 1 AND 500 AND \(oneLine("refusal_note")));
        ALTER TABLE service_request ADD COLUMN stage TEXT COLLATE "C" GENERATED ALWAYS AS (
            CASE WHEN status <> 'pending' THEN NULL
                 WHEN needs_endorsement AND endorsed_at IS NULL THEN 'endorsement' ELSE 'approval' END) STORED;
        CREATE INDEX service_request_queue ON service_request (stage, created_at, id);
        CREATE INDEX service_request_by_firm ON service_request (firm_id, created_at, id);
        CREATE INDEX service_request_by_time ON service_request (created_at, id);
        CREATE TRIGGER service_request_endorsed_once BEFORE UPDATE ON service_request
            FOR EACH ROW WHEN (NEW.needs_endorsement IS DISTINCT FROM OLD.needs_endorsement
                OR (OLD.endorsed_at IS NOT NULL AND (NEW.endorsed_at IS DISTINCT FROM OLD.endorsed_at
                    OR NEW.endorsed_by IS DISTINCT FROM OLD.endorsed_by))
                OR (NEW.endorsed_at IS NOT NULL AND NOT OLD.needs_endorsement))
            EXECUTE FUNCTION refuse_change('a request is endorsed once, and only when it needs it');
        CREATE TRIGGER service_request_endorsed_before_approval BEFORE UPDATE ON service_request
            FOR EACH ROW WHEN (NEW.status = 'approved' AND OLD.needs_endorsement AND OLD.endorsed_at IS NULL)
            EXECUTE FUNCTION refuse_change('a request is approved only after its endorsement');
        CREATE TRIGGER service_request_refused_with_reason BEFORE UPDATE ON service_request
            FOR EACH ROW WHEN (NEW.status = 'refused' AND NEW.refusal_reason IS NULL)
            EXECUTE FUNCTION refuse_change('a refusal has a reason code');
        """

    /// What the application and auditor roles may do, granted again by every `registry migrate` (GRANT is
    /// idempotent), so a table a later migration adds is covered. The application role may add to the audit
    /// log, permits and revocations but never change or delete them; it changes exactly the columns greenlane
    /// changes. The auditor reads.
    static func grants(schema: String, app: String, auditor: String, applied: Set<String>) -> [String] {
        var statements = [
            "REVOKE ALL ON SCHEMA \(schema) FROM PUBLIC",
            "GRANT USAGE ON SCHEMA \(schema) TO \(app), \(auditor)",
            "REVOKE ALL ON ALL TABLES IN SCHEMA \(schema) FROM \(app), \(auditor)",
            "GRANT SELECT ON ALL TABLES IN SCHEMA \(schema) TO \(app), \(auditor)",
            """
            GRANT INSERT ON firm, vehicle, vehicle_owner, serial_counter, renewal_run, permit, revocation, live_pass,
                audit_log TO \(app)
            """,
            "GRANT UPDATE (status) ON firm TO \(app)",
            "GRANT UPDATE (firm_id, vehicle_class) ON vehicle TO \(app)",
            "GRANT UPDATE (firm_id, since) ON vehicle_owner TO \(app)",
            "GRANT UPDATE (next) ON serial_counter TO \(app)",
            "GRANT DELETE ON live_pass TO \(app)",
        ]
        // Each later migration's tables, once it is applied.
        if applied.contains("v2-revocation-list-sequence") {
            statements += ["GRANT INSERT, UPDATE (sequence) ON revocation_list_sequence TO \(app)"]
        }
        if applied.contains("v4-service-credentials-and-requests") {
            statements += [
                "GRANT INSERT ON service_credential, service_enrolment, service_request, service_request_row TO \(app)",
                "GRANT UPDATE (revoked_at) ON service_credential TO \(app)",
                "GRANT UPDATE (used_at, credential_id) ON service_enrolment TO \(app)",
                "GRANT UPDATE (status, decided_by, decided_at) ON service_request TO \(app)",
                "GRANT UPDATE (status, serial, detail) ON service_request_row TO \(app)",
            ]
        }
        if applied.contains("v5-service-idempotency-rate-buckets-auth-failures") {
            statements += [
                "GRANT INSERT, UPDATE, DELETE ON service_idempotency, service_rate_bucket TO \(app)",
                "GRANT INSERT, UPDATE (count) ON service_auth_failure TO \(app)",
            ]
        }
        if applied.contains("v6-endorsement-and-decisions") {
            statements += [
                "GRANT UPDATE (endorsed_by, endorsed_at, refusal_reason, refusal_note) ON service_request TO \(app)"
            ]
        }
        return statements
    }
}
