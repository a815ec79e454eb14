/**
 * The provisioned vendor resources: read one by key, and record one as created, updated or
 * unchanged.
 *
 * @internal
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Service } from "../RunLedger.js"
import { LedgerError, wrap } from "./errors.js"
import { type PutResource, PutResourceResult, ResourceKey, type ResourceChange } from "./model.js"
import { decodeRows, now, ResourceRow, toResource } from "./rows.js"

export type Resources = Pick<Service, "getResource" | "putResource">

/** The resource reads and writes over `sql` (a client without name transforms). */
export const make = (sql: SqlClient.SqlClient): Resources => {
  const selectResource = (key: ResourceKey) =>
    sql`SELECT provider, key, scope, ref, definition_hash, created_at, updated_at FROM simbridge_resources
      WHERE scope = ${key.scope} AND provider = ${key.provider} AND key = ${key.key}`.pipe(
      Effect.flatMap(decodeRows(ResourceRow)),
      Effect.map((rows) => Option.fromNullable(rows[0]).pipe(Option.map(toResource)))
    )

  const getResource = (key: ResourceKey) => selectResource(key).pipe(wrap("getResource"))

  /**
   * Insert-or-update in two atomic statements, each telling by RETURNING whether it acted: the
   * insert only when the key is new, the update only when the ref or hash differs. Concurrent
   * writers of one key therefore see exactly one `created`, and `updated` only for a real change.
   */
  const putResource = (input: PutResource) =>
    Effect.gen(function*() {
      const at = yield* now
      const key = new ResourceKey({ provider: input.provider, key: input.key, scope: input.scope })
      const ref = input.ref.toString()
      const inserted = yield* sql`INSERT INTO simbridge_resources ${
        sql.insert({
          scope: input.scope,
          provider: input.provider,
          key: input.key,
          ref,
          definition_hash: input.definitionHash,
          created_at: at,
          updated_at: at
        })
      } ON CONFLICT (scope, provider, key) DO NOTHING RETURNING key`
      const change: ResourceChange = inserted.length > 0
        ? "created"
        : (yield* sql`UPDATE simbridge_resources SET ref = ${ref}, definition_hash = ${input.definitionHash}, updated_at = ${at}
            WHERE scope = ${input.scope} AND provider = ${input.provider} AND key = ${input.key}
              AND (ref <> ${ref} OR definition_hash <> ${input.definitionHash})
            RETURNING key`).length > 0
        ? "updated"
        : "unchanged"
      const after = yield* selectResource(key)
      if (Option.isNone(after)) {
        return yield* new LedgerError({ operation: "putResource", message: `putResource: ${input.key} was not stored` })
      }
      return new PutResourceResult({ resource: after.value, change })
    }).pipe(wrap("putResource"))

  return { getResource, putResource }
}
