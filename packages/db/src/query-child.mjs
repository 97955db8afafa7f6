// Runs one read-only statement for readOnlyQuery() in a process of its own, so that a statement
// that runs too long can be killed: SQLite cannot be interrupted from JavaScript (better-sqlite3
// has no interrupt or progress handler, and a worker thread inside sqlite3_step cannot be
// terminated). Plain JavaScript: it starts in ~0.1 s without the TypeScript loader.
import Database from 'better-sqlite3';

process.once('message', (msg) => {
  try {
    const db = new Database(msg.file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 10000');
    const stmt = db.prepare(msg.text);
    const rows = stmt.all(...msg.params);
    process.send({ ok: true, columns: stmt.columns().map((c) => c.name), rows }, () => process.exit(0));
  } catch (err) {
    process.send({ ok: false, message: err instanceof Error ? err.message : String(err) }, () => process.exit(0));
  }
});
