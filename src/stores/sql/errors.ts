/**
 * Error strings of the SQL store, used by code and tests alike. Where the Go
 * server has a string for the same situation, it is the same text.
 */
export const SqlErrors = {
  unknownDriver: (driver: string) => `sql: unknown driver "${driver}" (forgotten import?)`,
  unsupportedVersion: (v: number, max: number) => `sql: unsupported version: ${v} (supports [1..${max}])`,
  idMismatch: (column: string, inData: string) =>
    `sql: id "${column}" in column does not match cluster ID in data "${inData}"`,
  schemaMissing: (tables: string[], driver: string) =>
    `sql: missing table(s) ${tables.join(', ')}: run sql/${driver}.db.sql on the database ` +
    `or start with --sql_create_schema`,
  /** A statement failed; the text names the statement, never the values bound to it. */
  statement: (stmt: string, cause: string) => `sql: error executing "${stmt}": ${cause}`,
  /** Write batch abandoned because an earlier one failed (the database is unreachable or refused it). */
  unavailable: (cause: string) => `sql: store unavailable: ${cause}`,
  closed: 'sql: store is closed',
  dsn: (why: string) => `sql: invalid data source: ${why}`,
  unsupportedSslMode: (mode: string) =>
    `pq: unsupported sslmode "${mode}"; only "require" (default), "verify-full", "verify-ca", and "disable" supported`,
} as const;

/** An error raised by the SQL store (wraps the driver's error without its parameters). */
export class SqlStoreError extends Error {
  override readonly name = 'SqlStoreError';
}
