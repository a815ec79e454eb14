/**
 * Routes of the agents under test (`aiagents/`): list, create (`AIAgent`, 201; 400 field errors),
 * read and patch. Reading an agent id the emulator does not know creates an inbound agent, so any
 * suite's target works without setup.
 *
 * @internal
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Wire from "@simbridge/cekura/CekuraWire"
import { renderAgent } from "./Bodies.js"
import type { Context } from "./Context.js"
import { body, intParam, intQuery, json, paginate, query, v1 } from "./Http.js"
import { type AgentRec, iso } from "./State.js"

const now = Clock.currentTimeMillis

const Language = Schema.Literal(...Wire.personalityLanguages)

/** `POST aiagents/` as the OpenAPI file's `AIAgent` has it (required: `agent_name`, `description`, `inbound`); the fields the emulator keeps. */
const CreateAgent = Schema.Struct({
  agent_name: Schema.String.pipe(Schema.maxLength(255)),
  description: Schema.String,
  inbound: Schema.Boolean,
  project: Schema.optional(Schema.Int),
  contact_number: Schema.optional(Schema.String.pipe(Schema.maxLength(30))),
  language: Schema.optional(Language),
  assistant_id: Schema.optional(Schema.NullOr(Schema.String.pipe(Schema.maxLength(255)))),
  webhook_url: Schema.optional(Schema.String)
})

/** `PATCH aiagents/{id}/` (`PatchedSchemaUpdateAIAgentExternal`); the fields the emulator keeps. */
const PatchAgent = Schema.Struct({
  agent_name: Schema.optional(Schema.String.pipe(Schema.maxLength(255))),
  description: Schema.optional(Schema.String),
  inbound: Schema.optional(Schema.Boolean),
  contact_number: Schema.optional(Schema.String.pipe(Schema.maxLength(30))),
  language: Schema.optional(Language),
  webhook_url: Schema.optional(Schema.NullOr(Schema.String)),
  assistant_id: Schema.optional(Schema.NullOr(Schema.String.pipe(Schema.maxLength(255))))
})

export const agentRoutes = (ctx: Context) => {
  const { state } = ctx
  return HttpRouter.empty.pipe(
    HttpRouter.get(`${v1}/aiagents/`, Effect.gen(function*() {
      const q = yield* query
      const project = intQuery(q, "project_id")
      const text = q.get("q")?.toLowerCase()
      return yield* paginate([...state.agents.values()]
        .filter((a) => (project === undefined || a.project === project) && (text === undefined || a.agent_name.toLowerCase().includes(text)))
        .sort((a, b) => a.id - b.id)
        .map((a) => renderAgent(ctx, a)))
    })),
    HttpRouter.post(`${v1}/aiagents/`, Effect.gen(function*() {
      const b = yield* body(CreateAgent)
      const t = yield* now
      while (state.agents.has(state.nextAgent)) state.nextAgent++
      const a: AgentRec = {
        id: state.nextAgent++, agent_name: b.agent_name, inbound: b.inbound, assistant_id: b.assistant_id ?? null,
        contact_number: b.contact_number ?? "", description: b.description, language: b.language ?? "en", project: b.project ?? 1,
        webhook_url: b.webhook_url ?? null, created_at: iso(t), updated_at: iso(t)
      }
      state.agents.set(a.id, a)
      return json(renderAgent(ctx, a), 201)
    })),
    HttpRouter.get(`${v1}/aiagents/:id/`, Effect.gen(function*() {
      const id = yield* intParam("id")
      return json(renderAgent(ctx, state.agent(id, yield* now)))
    })),
    HttpRouter.patch(`${v1}/aiagents/:id/`, Effect.gen(function*() {
      const id = yield* intParam("id")
      const b = yield* body(PatchAgent)
      const t = yield* now
      const a = state.agent(id, t)
      if (b.agent_name !== undefined) a.agent_name = b.agent_name
      if (b.description !== undefined) a.description = b.description
      if (b.inbound !== undefined) a.inbound = b.inbound
      if (b.contact_number !== undefined) a.contact_number = b.contact_number
      if (b.language !== undefined) a.language = b.language
      if (b.webhook_url !== undefined) a.webhook_url = b.webhook_url
      if (b.assistant_id !== undefined) a.assistant_id = b.assistant_id
      a.updated_at = iso(t)
      return json(renderAgent(ctx, a))
    }))
  )
}
