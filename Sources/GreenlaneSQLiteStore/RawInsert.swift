import GRDB
internal import GRDBSQLite

/// A cached INSERT bound and stepped through the `sqlite3_stmt` GRDB exposes (`Statement.sqliteStatement`),
/// for the statements issuing runs once per 64 permits with up to 1,472 values.
///
/// Through `StatementArguments` every value was boxed twice (an existential, then a `DatabaseValue`) and
/// copied into GRDB's argument list: 7% of a recorded batch (BENCHMARKS.md, issue 13). Here a value goes
/// straight to `sqlite3_bind_*`, SQLite copies text and blobs (`SQLITE_TRANSIENT`), and a failure is the
/// same `DatabaseError` GRDB throws (`SQLiteStore.describe` words it). Only for INSERTs inside a transaction
/// GRDB opened: GRDB's per-statement bookkeeping (observers, which this store has none of, cancellation, the
/// autocommit state, which an INSERT does not change) runs again at the next statement it executes.
struct RawInsert {
    private let statement: Statement
    private let handle: OpaquePointer
    private var index: CInt = 0
    private var failure: CInt = SQLITE_OK

    init(_ statement: Statement) {
        self.statement = statement
        handle = statement.sqliteStatement
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    private mutating func next(_ code: CInt) {
        if code != SQLITE_OK && failure == SQLITE_OK { failure = code }
    }

    mutating func bind(_ value: String) {
        index += 1
        let (handle, index) = (self.handle, self.index)
        var value = value
        // With its length: a NUL inside the text is kept, not a place where SQLite stops reading. An empty
        // buffer may have no address, which SQLite would bind as NULL.
        let code = value.isEmpty ? sqlite3_bind_text(handle, index, "", 0, rawTransient) : value.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) {
                sqlite3_bind_text(handle, index, $0.baseAddress, CInt($0.count), rawTransient)
            }
        }
        next(code)
    }

    mutating func bind(_ value: String?) {
        if let value { bind(value) } else { bindNull() }
    }

    mutating func bind(_ value: Int64) {
        index += 1
        next(sqlite3_bind_int64(handle, index, value))
    }

    mutating func bind(_ value: Int64?) {
        if let value { bind(value) } else { bindNull() }
    }

    mutating func bind(_ value: Int) { bind(Int64(value)) }

    mutating func bind(_ value: Int?) { bind(value.map(Int64.init)) }

    mutating func bind(blob: [UInt8]) {
        index += 1
        let (handle, index) = (self.handle, self.index)
        let code = blob.isEmpty ? sqlite3_bind_zeroblob(handle, index, 0) : blob.withUnsafeBytes {
            sqlite3_bind_blob(handle, index, $0.baseAddress, CInt($0.count), rawTransient)
        }
        next(code)
    }

    mutating func bindNull() {
        index += 1
        next(sqlite3_bind_null(handle, index))
    }

    /// Steps the statement once every parameter is bound; resets it either way.
    mutating func execute(_ db: Database) throws {
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
            index = 0
            failure = SQLITE_OK
        }
        let expected = sqlite3_bind_parameter_count(handle)
        guard failure == SQLITE_OK, index == expected else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: failure == SQLITE_OK ? SQLITE_MISUSE : failure),
                message: "bound \(index) of \(expected) values", sql: statement.sql)
        }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: sqlite3_extended_errcode(db.sqliteConnection)),
                                message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: statement.sql)
        }
    }
}

/// SQLite's "copy the value now" destructor (GRDB keeps its own internal).
private let rawTransient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
