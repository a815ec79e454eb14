/**
 * Routes of the simulated callers' personalities (`personalities/`): the list (a plain array of
 * `CreatePersonality`, filtered by `language` and `project_id`) and create (201). Created
 * personalities join the built-in, globally available catalogue for the emulator's life.
 *
 * @internal
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Wire from "@simbridge/cekura/CekuraWire"
import { renderPersonality } from "./Bodies.js"
import type { Context } from "./Context.js"
import { body, intQuery, json, query, v1 } from "./Http.js"
import type { PersonalityRec } from "./State.js"

/**
 * `POST personalities/` as the OpenAPI file's `CreatePersonality` has it (required: `name`,
 * `background_noise`, `voice_model`); the fields the emulator keeps. `project` is optional, as with
 * a project-scoped key (the emulator's keys are): it defaults to project 1, every agent's.
 */
const CreatePersonality = Schema.Struct({
  project: Schema.optional(Schema.Int),
  name: Schema.String.pipe(Schema.maxLength(255)),
  prompt: Schema.optional(Schema.String),
  language: Schema.optional(Schema.Literal(...Wire.personalityLanguages)),
  accent: Schema.optional(Schema.String.pipe(Schema.maxLength(255))),
  background_noise: Schema.String,
  voice_model: Schema.String,
  voice_id: Schema.optional(Schema.String),
  end_call_enabled: Schema.optional(Schema.Boolean),
  provider: Schema.optional(Schema.Literal(...Wire.personalityProviders))
})

export const personalityRoutes = (ctx: Context) => {
  const { state } = ctx
  return HttpRouter.empty.pipe(
    HttpRouter.get(`${v1}/personalities/`, Effect.map(query, (q) => {
      const language = q.get("language")
      const project = intQuery(q, "project_id")
      return json([...state.personalities.values()]
        .filter((p) => language === null || p.language === language)
        .filter((p) => project === undefined || p.project === null || p.project === project)
        .map(renderPersonality))
    })),
    HttpRouter.post(`${v1}/personalities/`, Effect.map(body(CreatePersonality), (b) => {
      const p: PersonalityRec = {
        id: state.nextPersonality++, project: b.project ?? 1, name: b.name, prompt: b.prompt ?? "", language: b.language ?? "en",
        accent: b.accent ?? "", background_noise: b.background_noise, voice_model: b.voice_model, voice_id: b.voice_id ?? "",
        provider: b.provider ?? "11labs", end_call_enabled: b.end_call_enabled ?? true
      }
      state.personalities.set(p.id, p)
      return json(renderPersonality(p), 201)
    }))
  )
}
