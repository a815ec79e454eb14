/**
 * Vapi's simulation wire format (`/eval/simulation/...`), field names exactly as on the wire.
 *
 * Responses are lenient: enums are plain strings (the mapping tables decide), fields Vapi may omit
 * are optional, and undeclared fields are ignored. The provisioned objects keep their undeclared
 * fields (`...Rest`) for callers of `VapiClient`; runs and run items, read in bulk, declare only
 * what the driver reads. Request bodies are validated before they are sent (and by the emulator when
 * they arrive) with exactly the constraints of Vapi's OpenAPI file, plus the rules Vapi documents
 * as enforced by its server (evaluation types and comparators, exclusive pairs, what an entry or a
 * target must name); undeclared fields are refused, as Vapi's whitelisting validator refuses them.
 *
 * @since 0.1.0
 */
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { FolderPath } from "./VapiSuite.js"

// ---------------------------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------------------------

/** Unknown extra fields, kept. */
const Rest = Schema.Record({ key: Schema.String, value: Schema.Unknown })

const Uuid = Schema.String.pipe(
  Schema.pattern(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: () => "must be a UUID" })
)

const Name80 = Schema.String.pipe(Schema.maxLength(80))

/** A folder path (`path` on every simulation resource); defined with the suite schemas. */
export { FolderPath }

export const Primitive = Schema.Union(Schema.Number, Schema.String, Schema.Boolean)
export type Primitive = typeof Primitive.Type

export const Comparator = Schema.Literal("=", "!=", ">", "<", ">=", "<=")
export type Comparator = typeof Comparator.Type

export const TransportProvider = Schema.Literal("vapi.websocket", "vapi.webchat")

// ---------------------------------------------------------------------------------------------
// Requests (strict)
// ---------------------------------------------------------------------------------------------

/** `CreateAssistantDTO`: no field is required; simbridge sets the tester's model and prompt. */
export const AssistantConfig = Schema.Record({ key: Schema.String, value: Schema.Unknown })

export const CreatePersonality = Schema.Struct({
  name: Name80,
  assistant: AssistantConfig,
  path: Schema.optional(Schema.NullOr(FolderPath))
})
export type CreatePersonality = typeof CreatePersonality.Type
export const UpdatePersonality = Schema.partial(CreatePersonality)
export type UpdatePersonality = typeof UpdatePersonality.Type

export const JsonSchema = Schema.Struct(
  {
    type: Schema.String,
    description: Schema.optional(Schema.String),
    enum: Schema.optional(Schema.Array(Schema.Unknown))
  },
  Rest
)

/** `CreateStructuredOutputDTO` (the inline form of an evaluation); simbridge sets the first four. */
export const StructuredOutput = Schema.Struct({
  name: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(40)),
  schema: JsonSchema,
  type: Schema.optional(Schema.Literal("ai", "regex")),
  description: Schema.optional(Schema.String),
  regex: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(1000))),
  model: Schema.optional(Schema.Unknown),
  compliancePlan: Schema.optional(Schema.Unknown),
  conditions: Schema.optional(Schema.NullOr(Schema.Array(Schema.Unknown))),
  assistantIds: Schema.optional(Schema.Array(Schema.String)),
  workflowIds: Schema.optional(Schema.Array(Schema.String))
})

const primitiveSchemaTypes = new Set(["string", "number", "integer", "boolean"])

/**
 * `EvaluationPlanItem`: exactly one of `structuredOutputId` / `structuredOutput`; only primitive
 * schema types; boolean and string compare with `=` or `!=` only.
 */
export const EvaluationPlanItem = Schema.Struct({
  structuredOutputId: Schema.optional(Uuid),
  structuredOutput: Schema.optional(StructuredOutput),
  path: Schema.optional(Schema.String),
  comparator: Comparator,
  value: Primitive,
  required: Schema.optional(Schema.Boolean)
}).pipe(
  Schema.filter((e) => {
    const issues: Array<Schema.FilterIssue> = []
    if ((e.structuredOutputId === undefined) === (e.structuredOutput === undefined)) {
      issues.push({ path: ["structuredOutputId"], message: "exactly one of structuredOutputId and structuredOutput is required" })
    }
    const type = e.structuredOutput?.schema.type
    if (type !== undefined && !primitiveSchemaTypes.has(type)) {
      issues.push({ path: ["structuredOutput", "schema", "type"], message: `only primitive schema types are allowed, got "${type}"` })
    }
    if ((type === "boolean" || type === "string") && e.comparator !== "=" && e.comparator !== "!=") {
      issues.push({ path: ["comparator"], message: `a ${type} evaluation compares with "=" or "!=", got "${e.comparator}"` })
    }
    return issues
  })
)
export type EvaluationPlanItem = typeof EvaluationPlanItem.Type

export const Server = Schema.Struct(
  {
    url: Schema.optional(Schema.String),
    headers: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
    timeoutSeconds: Schema.optional(Schema.Number)
  },
  Rest
)

export const HookInclude = Schema.Struct({
  transcript: Schema.optional(Schema.Boolean),
  messages: Schema.optional(Schema.Boolean),
  recordingUrl: Schema.optional(Schema.Boolean)
})

export const HookAction = Schema.Struct({
  type: Schema.Literal("webhook"),
  server: Schema.optional(Server),
  include: Schema.optional(HookInclude)
})

export const HookEvent = Schema.Literal("simulation.run.started", "simulation.run.ended")
export type HookEvent = typeof HookEvent.Type

export const Hook = Schema.Struct({ on: HookEvent, do: Schema.Array(HookAction) })
export type Hook = typeof Hook.Type

export const ToolMock = Schema.Struct({
  toolName: Schema.String,
  result: Schema.optional(Schema.String),
  enabled: Schema.optional(Schema.Boolean)
})

/** `AssistantOverrides` as simbridge uses it (`variableValues`, `maxDurationSeconds`); others pass through. */
export const AssistantOverrides = Schema.Struct(
  {
    variableValues: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
    maxDurationSeconds: Schema.optional(Schema.Number)
  },
  Rest
)

export const CreateScenario = Schema.Struct({
  name: Name80,
  instructions: Schema.String.pipe(Schema.maxLength(10000)),
  evaluations: Schema.Array(EvaluationPlanItem),
  hooks: Schema.optional(Schema.Array(Hook)),
  targetOverrides: Schema.optional(AssistantOverrides),
  toolMocks: Schema.optional(Schema.Array(ToolMock)),
  path: Schema.optional(Schema.NullOr(FolderPath))
})
export type CreateScenario = typeof CreateScenario.Type
export const UpdateScenario = Schema.partial(CreateScenario)
export type UpdateScenario = typeof UpdateScenario.Type

export const CreateSimulation = Schema.Struct({
  name: Schema.optional(Name80),
  scenarioId: Uuid,
  personalityId: Uuid,
  path: Schema.optional(Schema.NullOr(FolderPath))
})
export type CreateSimulation = typeof CreateSimulation.Type
export const UpdateSimulation = Schema.partial(CreateSimulation)
export type UpdateSimulation = typeof UpdateSimulation.Type

export const TargetAssignment = Schema.Struct({ targetType: Schema.Literal("assistant", "squad"), targetId: Uuid })

export const CreateSuite = Schema.Struct({
  name: Name80,
  /** Plain strings in the spec (an id that is no simulation is a 404, not a 400). */
  simulationIds: Schema.Array(Schema.String),
  slackWebhookUrl: Schema.optional(Schema.String),
  targetAssignments: Schema.optional(Schema.Array(TargetAssignment)),
  path: Schema.optional(Schema.NullOr(FolderPath))
})
export type CreateSuite = typeof CreateSuite.Type
export const UpdateSuite = Schema.partial(CreateSuite)
export type UpdateSuite = typeof UpdateSuite.Type

const exclusive = <A extends Record<string, unknown>>(pairs: ReadonlyArray<readonly [keyof A & string, keyof A & string]>) => (a: A) => {
  const issues: Array<Schema.FilterIssue> = []
  for (const [x, y] of pairs) {
    if (a[x] !== undefined && a[y] !== undefined) issues.push({ path: [y], message: `cannot be combined with ${x}` })
  }
  return issues
}

export const SimulationEntry = Schema.Struct({
  type: Schema.Literal("simulation"),
  simulationId: Schema.optional(Uuid),
  scenarioId: Schema.optional(Uuid),
  scenario: Schema.optional(CreateScenario),
  personalityId: Schema.optional(Uuid),
  personality: Schema.optional(CreatePersonality),
  name: Schema.optional(Name80)
}).pipe(
  Schema.filter((e) => {
    const issues: Array<Schema.FilterIssue> = [...exclusive<typeof e>([["scenarioId", "scenario"], ["personalityId", "personality"]])(e)]
    if (e.simulationId === undefined) {
      if (e.scenarioId === undefined && e.scenario === undefined) issues.push({ path: ["scenarioId"], message: "simulationId, scenarioId or scenario is required" })
      if (e.personalityId === undefined && e.personality === undefined) issues.push({ path: ["personalityId"], message: "simulationId, personalityId or personality is required" })
    }
    return issues
  })
)
export type SimulationEntry = typeof SimulationEntry.Type

/**
 * A suite entry. `name` is read-only in Vapi's spec (the suite's name, captured by Vapi): accepted,
 * never sent by simbridge. `suiteId` is deprecated there: an alias of `simulationSuiteId`.
 */
export const SuiteEntry = Schema.Struct({
  type: Schema.Literal("simulationSuite"),
  simulationSuiteId: Schema.optional(Uuid),
  suiteId: Schema.optional(Schema.String),
  name: Schema.optional(Name80)
}).pipe(
  Schema.filter((e) => e.simulationSuiteId !== undefined || e.suiteId !== undefined ? undefined : { path: ["simulationSuiteId"], message: "is required" })
)
export type SuiteEntry = typeof SuiteEntry.Type

export const RunEntry = Schema.Union(SimulationEntry, SuiteEntry)
export type RunEntry = typeof RunEntry.Type

export const AssistantTarget = Schema.Struct({
  type: Schema.Literal("assistant"),
  assistantId: Schema.optional(Uuid),
  assistant: Schema.optional(AssistantConfig)
}).pipe(
  Schema.filter((t) =>
    t.assistantId !== undefined && t.assistant !== undefined
      ? { path: ["assistant"], message: "cannot be combined with assistantId" }
      : t.assistantId === undefined && t.assistant === undefined
      ? { path: ["assistantId"], message: "assistantId or assistant is required" }
      : undefined
  )
)

export const SquadTarget = Schema.Struct({
  type: Schema.Literal("squad"),
  squadId: Schema.optional(Uuid),
  squad: Schema.optional(Schema.Struct({ members: Schema.Array(Schema.Unknown) }, Rest))
}).pipe(
  Schema.filter((t) =>
    t.squadId !== undefined && t.squad !== undefined
      ? { path: ["squad"], message: "cannot be combined with squadId" }
      : t.squadId === undefined && t.squad === undefined
      ? { path: ["squadId"], message: "squadId or squad is required" }
      : undefined
  )
)

export const RunTarget = Schema.Union(AssistantTarget, SquadTarget)
export type RunTarget = typeof RunTarget.Type

export const Transport = Schema.Struct({ provider: TransportProvider })

export const CreateRun = Schema.Struct({
  simulations: Schema.Array(RunEntry),
  target: RunTarget,
  iterations: Schema.optional(Schema.Number.pipe(Schema.between(1, 10))),
  transport: Schema.optional(Transport)
})
export type CreateRun = typeof CreateRun.Type

// ---------------------------------------------------------------------------------------------
// Responses (lenient)
// ---------------------------------------------------------------------------------------------

const base = {
  id: Schema.String,
  orgId: Schema.optional(Schema.NullOr(Schema.String)),
  createdAt: Schema.optional(Schema.String),
  updatedAt: Schema.optional(Schema.String),
  path: Schema.optional(Schema.NullOr(Schema.String))
}

export const Personality = Schema.Struct(
  { ...base, name: Schema.String, assistant: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })) },
  Rest
)
export type Personality = typeof Personality.Type

const LenientEvaluation = Schema.Struct(
  {
    structuredOutputId: Schema.optional(Schema.String),
    structuredOutput: Schema.optional(Schema.Struct({ name: Schema.String, description: Schema.optional(Schema.String) }, Rest)),
    comparator: Schema.optional(Schema.String),
    value: Schema.optional(Primitive),
    required: Schema.optional(Schema.Boolean)
  },
  Rest
)

export const Scenario = Schema.Struct(
  {
    ...base,
    name: Schema.String,
    instructions: Schema.optional(Schema.String),
    evaluations: Schema.optional(Schema.Array(LenientEvaluation)),
    hooks: Schema.optional(Schema.Array(Schema.Unknown)),
    targetOverrides: Schema.optional(Schema.Unknown),
    toolMocks: Schema.optional(Schema.Array(Schema.Unknown))
  },
  Rest
)
export type Scenario = typeof Scenario.Type

export const Simulation = Schema.Struct(
  { ...base, name: Schema.optional(Schema.NullOr(Schema.String)), scenarioId: Schema.String, personalityId: Schema.String },
  Rest
)
export type Simulation = typeof Simulation.Type

export const Suite = Schema.Struct(
  {
    ...base,
    name: Schema.String,
    simulationIds: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }),
    targetAssignments: Schema.optionalWith(Schema.Array(Schema.Struct({ targetType: Schema.String, targetId: Schema.String }, Rest)), { default: () => [] }),
    slackWebhookUrl: Schema.optional(Schema.NullOr(Schema.String))
  },
  Rest
)
export type Suite = typeof Suite.Type

// Runs and run items declare only what the driver reads, with no index signature and no
// defaults: a list carries up to 1000 of them, and a struct with a default decodes as a
// transformation that checks every field a second time. Undeclared fields are ignored, not
// rejected; a run item as received stays available as `raw` (see `Page.raw`).

/** A run's item counts (an absent count is 0). */
export const ItemCounts = Schema.Struct({
  total: Schema.Number,
  passed: Schema.optional(Schema.Number),
  failed: Schema.optional(Schema.Number),
  running: Schema.optional(Schema.Number),
  queued: Schema.optional(Schema.Number),
  canceled: Schema.optional(Schema.Number)
})
export type ItemCounts = typeof ItemCounts.Type

/** A run entry as echoed back, of either kind: its simulation or suite, and its name (which carries the marker). */
export const EchoedEntry = Schema.Struct({
  simulationId: Schema.optional(Schema.String),
  simulationSuiteId: Schema.optional(Schema.String),
  name: Schema.optional(Schema.NullOr(Schema.String))
})

/** A run (`GET /eval/simulation/run/{id}`, and each run of the list). */
export const Run = Schema.Struct({
  id: Schema.String,
  status: Schema.String,
  startedAt: Schema.optional(Schema.NullOr(Schema.String)),
  endedAt: Schema.optional(Schema.NullOr(Schema.String)),
  endedReason: Schema.optional(Schema.NullOr(Schema.String)),
  createdAt: Schema.optional(Schema.String),
  updatedAt: Schema.optional(Schema.String),
  itemCounts: Schema.optional(Schema.NullOr(ItemCounts)),
  simulations: Schema.optional(Schema.Array(EchoedEntry)),
  /** Kept whole in the canonical run's metadata. */
  target: Schema.optional(Schema.Struct({ type: Schema.String }, Rest)),
  iterations: Schema.optional(Schema.Number),
  transport: Schema.optional(Schema.NullOr(Schema.Struct({ provider: Schema.String })))
}).annotations({ identifier: "Run" })
export type Run = typeof Run.Type

/** `POST /eval/simulation/run`'s answer. */
export const CreateRunResponse = Schema.Struct({
  ...Run.fields,
  simulationRunItemIds: Schema.optional(Schema.Array(Schema.String)),
  message: Schema.optional(Schema.String),
  url: Schema.optional(Schema.String)
}).annotations({ identifier: "CreateRunResponse" })
export type CreateRunResponse = typeof CreateRunResponse.Type

export const EvaluationResult = Schema.Struct({
  name: Schema.String,
  /** Marks a `contains` evaluator asked as a yes/no question (see `internal/requests.ts`). */
  description: Schema.optional(Schema.String),
  extractedValue: Schema.optional(Schema.NullOr(Primitive)),
  expectedValue: Schema.optional(Schema.NullOr(Primitive)),
  passed: Schema.Boolean,
  /** Absent means required (Vapi's default). */
  required: Schema.optional(Schema.Boolean),
  error: Schema.optional(Schema.String),
  isSkipped: Schema.optional(Schema.Boolean),
  skipReason: Schema.optional(Schema.String)
})
export type EvaluationResult = typeof EvaluationResult.Type

/** The average turn is the result's latency; every metric Vapi reports is kept in its metadata. */
export const LatencyMetrics = Schema.Struct({ avgTurn: Schema.optional(Schema.Number) }, Rest)

export const ItemResults = Schema.Struct({
  evaluations: Schema.optional(Schema.Array(EvaluationResult)),
  passed: Schema.optional(Schema.Boolean),
  latencyMetrics: Schema.optional(Schema.NullOr(LatencyMetrics))
})
export type ItemResults = typeof ItemResults.Type

/** A message of the call (OpenAI format): its text is `content` (a string or parts) or `message`. */
export const Message = Schema.Struct({
  role: Schema.optional(Schema.String),
  content: Schema.optional(Schema.Unknown),
  message: Schema.optional(Schema.String),
  secondsFromStart: Schema.optional(Schema.Number)
})

export const CallMetadata = Schema.Struct({
  transcript: Schema.optional(Schema.String),
  messages: Schema.optional(Schema.Array(Message)),
  recordingUrl: Schema.optional(Schema.String)
})

/** Of the scenario and personality snapshots only the name is read (the rest stays in `raw`). */
const Snapshot = Schema.Struct({ name: Schema.optional(Schema.Unknown) })

export const ItemMetadata = Schema.Struct({
  scenario: Schema.optional(Snapshot),
  personality: Schema.optional(Snapshot),
  call: Schema.optional(CallMetadata)
})

const Suggestion = Schema.Struct({ issue: Schema.String, suggestion: Schema.String })

export const Improvements = Schema.Struct({
  analysis: Schema.optional(Schema.String),
  systemPromptSuggestions: Schema.optional(Schema.Array(Suggestion)),
  toolSuggestions: Schema.optional(Schema.Array(Suggestion)),
  scenarioSuggestions: Schema.optional(Schema.Array(Suggestion))
})

export const RunItem = Schema.Struct({
  id: Schema.String,
  simulationId: Schema.optional(Schema.String),
  status: Schema.String,
  startedAt: Schema.optional(Schema.NullOr(Schema.String)),
  completedAt: Schema.optional(Schema.NullOr(Schema.String)),
  failedAt: Schema.optional(Schema.NullOr(Schema.String)),
  canceledAt: Schema.optional(Schema.NullOr(Schema.String)),
  failureReason: Schema.optional(Schema.NullOr(Schema.String)),
  callId: Schema.optional(Schema.NullOr(Schema.String)),
  sessionId: Schema.optional(Schema.NullOr(Schema.String)),
  iterationNumber: Schema.optional(Schema.Number),
  scenarioId: Schema.optional(Schema.String),
  personalityId: Schema.optional(Schema.String),
  metadata: Schema.optional(Schema.NullOr(ItemMetadata)),
  results: Schema.optional(Schema.NullOr(ItemResults)),
  improvementSuggestions: Schema.optional(Schema.NullOr(Improvements))
}).annotations({ identifier: "RunItem" })
export type RunItem = typeof RunItem.Type

export const Concurrency = Schema.Struct(
  {
    orgId: Schema.optional(Schema.String),
    concurrencyLimit: Schema.Number,
    activeSimulations: Schema.Number,
    availableToStart: Schema.Number,
    isDefault: Schema.optional(Schema.Boolean)
  },
  Rest
)
export type Concurrency = typeof Concurrency.Type

export const PaymentReason = Schema.Literal(
  "wallet_missing",
  "subscription_frozen",
  "payment_method_missing",
  "insufficient_credits",
  "billing_limit",
  "initial_payment_missing"
)
export type PaymentReason = typeof PaymentReason.Type

export const PaymentRequired = Schema.Struct({ statusCode: Schema.Literal(402), message: Schema.String, reason: PaymentReason })

/** Vapi's (NestJS) error body. */
export const ErrorBody = Schema.Struct({
  message: Schema.Union(Schema.String, Schema.Array(Schema.String)),
  error: Schema.String,
  statusCode: Schema.Number
})

export const PaginationMeta = Schema.Struct(
  {
    itemsPerPage: Schema.optional(Schema.Number),
    totalItems: Schema.optional(Schema.Number),
    currentPage: Schema.optional(Schema.Number),
    totalPages: Schema.optional(Schema.Number),
    hasNextPage: Schema.optional(Schema.Boolean),
    nextCursor: Schema.optional(Schema.NullOr(Schema.String))
  },
  Rest
)
export type PaginationMeta = typeof PaginationMeta.Type

/** One page of a list, whatever wrapper the response used. */
export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly meta?: PaginationMeta | undefined
  /** The items as received, before decoding, index-aligned with `items` (the vendor's own payloads). */
  readonly raw?: ReadonlyArray<unknown> | undefined
}

/**
 * A list response: a bare array (the spec), `{ results, metadata }` (paginated runs) or
 * `{ data, total, limit, page }` (observed elsewhere), all decoded to one {@link Page}.
 */
export const List = <A, I, R>(item: Schema.Schema<A, I, R>): Schema.Schema<Page<A>, unknown, R> => {
  // One schema per item schema, so that a request does not build its list schema again.
  const known = lists.get(item)
  if (known !== undefined) return known as Schema.Schema<Page<A>, unknown, R>
  const made = listOf(item)
  lists.set(item, made)
  return made
}
const lists = new WeakMap<Schema.Schema.Any, Schema.Schema.Any>()
const listOf = <A, I, R>(item: Schema.Schema<A, I, R>): Schema.Schema<Page<A>, unknown, R> => {
  const Bare = Schema.Array(item)
  const Results = Schema.Struct({ results: Schema.Array(item), metadata: Schema.optional(PaginationMeta) })
  const Data = Schema.Struct({
    data: Schema.Array(item),
    total: Schema.optional(Schema.Number),
    limit: Schema.optional(Schema.Number),
    page: Schema.optional(Schema.Number)
  })
  const fromData = (w: typeof Data.Type, raw: ReadonlyArray<unknown>): Page<A> => ({
    items: w.data,
    raw,
    meta: {
      ...(w.total === undefined ? {} : { totalItems: w.total }),
      ...(w.limit === undefined ? {} : { itemsPerPage: w.limit }),
      ...(w.page === undefined ? {} : { currentPage: w.page })
    }
  })
  const decodeBare = ParseResult.decodeUnknown(Bare)
  const decodeResults = ParseResult.decodeUnknown(Results)
  const decodeData = ParseResult.decodeUnknown(Data)
  // The wrapper is decoded with the default options whatever the caller's.
  const decode = (u: unknown) =>
    Array.isArray(u)
      ? ParseResult.map(decodeBare(u), (items): Page<A> => ({ items, raw: u }))
      : u !== null && typeof u === "object" && "results" in u
      ? ParseResult.map(decodeResults(u), (w): Page<A> => ({ items: w.results, meta: w.metadata, raw: (u as { results: ReadonlyArray<unknown> }).results }))
      : ParseResult.map(decodeData(u), (w) => fromData(w, (u as { data: ReadonlyArray<unknown> }).data))
  return Schema.transformOrFail(Schema.Unknown, Schema.Any, {
    strict: true,
    decode: (u) => decode(u),
    encode: (page) => ParseResult.succeed((page as Page<A>).items)
  }) as unknown as Schema.Schema<Page<A>, unknown, R>
}

/** Whether another page follows `page` (requested with `limit`, 1-based `pageNumber`). */
export const hasNextPage = (page: Page<unknown>, pageNumber: number, limit: number): boolean => {
  const meta = page.meta
  if (meta?.hasNextPage !== undefined) return meta.hasNextPage
  if (meta?.totalPages !== undefined) return pageNumber < meta.totalPages
  if (meta?.totalItems !== undefined) return pageNumber * limit < meta.totalItems
  return page.items.length >= limit && page.items.length > 0
}
