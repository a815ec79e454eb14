/**
 * What the simulated caller tries to do.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { EvaluatorId, ScenarioId } from "./Ids.js"
import { Json, Variables } from "./Json.js"

/** A canned tool response the agent's tool call receives during the simulation. */
export class ToolMock extends Schema.Class<ToolMock>("ToolMock")({
  tool: Schema.NonEmptyTrimmedString,
  response: Json
}) {}

export class Scenario extends Schema.Class<Scenario>("Scenario")({
  id: ScenarioId,
  name: Schema.NonEmptyTrimmedString,
  instructions: Schema.NonEmptyTrimmedString,
  /** Optional scripted steps the caller follows in order. */
  steps: Schema.optional(Schema.Array(Schema.NonEmptyTrimmedString)),
  variables: Schema.optional(Variables),
  expectedOutcome: Schema.optional(Schema.String),
  /** The evaluators that judge each conversation; at least one required one unless `judge: none`. */
  evaluators: Schema.optionalWith(Schema.Array(EvaluatorId), { default: () => [] }),
  /**
   * `none`: the scenario is run but not judged (its conversations are reported `skipped`). Said
   * explicitly, so a scenario whose evaluators were forgotten is a suite error, not a pass.
   */
  judge: Schema.optional(Schema.Literal("none")),
  toolMocks: Schema.optional(Schema.Array(ToolMock)),
  tags: Schema.optional(Schema.Array(Schema.String))
}) {}
