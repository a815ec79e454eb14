/**
 * Command-line overrides of a suite: `--iterations`, `--concurrency`, `--filter <scenario or
 * persona id>` (repeatable; scenario ids narrow the scenarios, persona ids the personas).
 *
 * @since 0.1.0
 */
import { Issues, Plan } from "@simbridge/core"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { humanize } from "./SuiteFile.js"

/** The flag behind a plan field an override sets. */
const flags: Record<string, string> = { iterations: "--iterations", concurrency: "--concurrency" }

/** `--iterations: expected a positive integer, got 0`, one line per problem. */
const describe = (issues: ReadonlyArray<Issues.Issue>): string =>
  issues
    .map((i) => {
      const flag = i.path.length === 1 && typeof i.path[0] === "string" ? flags[i.path[0]] : undefined
      const where = flag ?? Issues.formatPath(i.path)
      return `${where === "" ? "" : `${where}: `}${humanize(i.message)}`
    })
    .join("\n")

export interface Overrides {
  readonly iterations?: number | undefined
  readonly concurrency?: number | undefined
  readonly filters?: ReadonlyArray<string> | undefined
}

export const apply = (plan: Plan.Plan, overrides: Overrides): Either.Either<Plan.Plan, string> => {
  const filters = overrides.filters ?? []
  const scenarioIds = new Set(plan.scenarios.map((s) => s.id as string))
  const personaIds = new Set(plan.personas.map((p) => p.id as string))
  const unknown = filters.filter((f) => !scenarioIds.has(f) && !personaIds.has(f))
  if (unknown.length > 0) {
    return Either.left(
      `--filter ${unknown.map((u) => `"${u}"`).join(", ")} matches no scenario or persona; scenarios: ${[...scenarioIds].join(", ")}; personas: ${[...personaIds].join(", ")}`
    )
  }
  const wantedScenarios = filters.filter((f) => scenarioIds.has(f))
  const wantedPersonas = filters.filter((f) => personaIds.has(f))
  const encoded = Schema.encodeSync(Plan.Plan)(plan)
  const next = {
    ...encoded,
    ...(overrides.iterations === undefined ? {} : { iterations: overrides.iterations }),
    ...(overrides.concurrency === undefined ? {} : { concurrency: overrides.concurrency }),
    scenarios: wantedScenarios.length === 0 ? encoded.scenarios : encoded.scenarios.filter((s) => wantedScenarios.includes(s.id)),
    personas: wantedPersonas.length === 0 ? encoded.personas : encoded.personas.filter((p) => wantedPersonas.includes(p.id))
  }
  return Schema.decodeUnknownEither(Plan.Plan)(next, { errors: "all" }).pipe(Either.mapLeft((e) => describe(Issues.fromParseError(e))))
}
