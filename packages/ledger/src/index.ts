/**
 * @simbridge/ledger: the durable run ledger (SQLite by default, PostgreSQL when
 * `SIMBRIDGE_DATABASE_URL` says so) and its adapter to the suite runner's `Journal`.
 *
 * @since 0.1.0
 */
export * as RunLedger from "./RunLedger.js"
