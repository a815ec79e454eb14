/**
 * Statuses keep both values: the unified one simbridge reasons about and the vendor's raw string.
 * A status a vendor adds tomorrow decodes as `unified: "unknown"` with its raw value kept.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

export const UnifiedStatus = Schema.Literal("queued", "running", "completed", "failed", "canceled", "timed_out", "unknown")
export type UnifiedStatus = typeof UnifiedStatus.Type

export const Verdict = Schema.Literal("pass", "fail", "error", "skipped", "pending")
export type Verdict = typeof Verdict.Type

export class Status extends Schema.Class<Status>("Status")({
  unified: UnifiedStatus,
  raw: Schema.String
}) {}

export const terminal: ReadonlySet<UnifiedStatus> = new Set(["completed", "failed", "canceled", "timed_out"])

export const isTerminal = (status: { readonly unified: UnifiedStatus }): boolean => terminal.has(status.unified)

/**
 * Builds a mapping function from a vendor table. Lookup ignores case; anything not in the table
 * maps to `unknown`, keeping the raw value.
 */
export const table = <const K extends string>(
  entries: Record<K, UnifiedStatus>
): ((raw: string | null | undefined) => { readonly unified: UnifiedStatus; readonly raw: string }) => {
  const byLower = new Map<string, UnifiedStatus>()
  for (const [k, v] of Object.entries(entries) as Array<[string, UnifiedStatus]>) byLower.set(k.toLowerCase(), v)
  return (raw) => {
    const r = raw ?? ""
    return { unified: byLower.get(r.toLowerCase()) ?? "unknown", raw: r }
  }
}
