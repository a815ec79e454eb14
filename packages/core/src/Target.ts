/**
 * The agent under test, as each vendor names it: `{ vapi: { assistantId }, roark: { agentEndpointId },
 * cekura: { agentId }, interactly: { workflowId } }`. Each provider validates its own entry with its
 * own schema (see `ProviderPlugin.targetSchema`); core only keeps the shape.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { Scalar } from "./Json.js"

export const TargetEntry = Schema.Record({ key: Schema.String, value: Scalar })
export type TargetEntry = typeof TargetEntry.Type

export const Target = Schema.Record({ key: Schema.String, value: TargetEntry })
export type Target = typeof Target.Type
