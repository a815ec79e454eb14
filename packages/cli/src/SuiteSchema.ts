/**
 * The JSON Schema of suite files, generated from the `Plan` schema, with each known provider's
 * `target.<name>` and `vendors.<name>` entries typed by that provider's own schemas. Editors use it
 * through `# yaml-language-server: $schema=./suite.schema.json`.
 *
 * @since 0.1.0
 */
import { Plan } from "@simbridge/core"
import type { ProviderRegistry } from "@simbridge/core"
import * as JSONSchema from "effect/JSONSchema"
import * as Schema from "effect/Schema"
import * as SuiteFile from "./SuiteFile.js"

type Json = Record<string, any>

const forSchema = (schema: Schema.Schema<any, any, never>): Json => {
  const { $schema: _, ...rest } = JSONSchema.make(Schema.encodedSchema(schema)) as Json
  return rest
}

/** Non-empty arrays come out as a one-item tuple plus `additionalItems`; editors read `items` better. */
const simplifyTuples = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(simplifyTuples)
  if (node === null || typeof node !== "object") return node
  const o = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, simplifyTuples(v)])) as Json
  if (Array.isArray(o["items"]) && o["items"].length === 1 && JSON.stringify(o["items"][0]) === JSON.stringify(o["additionalItems"])) {
    const { additionalItems: _, ...rest } = o
    return { ...rest, items: o["items"][0] }
  }
  return o
}

export const make = (plugins: ReadonlyArray<ProviderRegistry.ProviderPlugin>): Json => {
  const base = simplifyTuples(JSONSchema.make(Schema.encodedSchema(Plan.Plan))) as Json
  const root: Json = {
    ...base,
    $id: "https://simbridge.dev/schemas/suite.schema.json",
    title: "simbridge suite",
    description: "A voice-agent simulation suite: target, personas, scenarios, evaluators and run options."
  }
  // The run fields (`timeout`) sit beside the plan's in the file, outside the plan.
  const { properties: runProperties } = JSONSchema.make(SuiteFile.RunFields) as Json
  root["properties"] = {
    ...root["properties"],
    ...runProperties,
    timeout: {
      ...runProperties["timeout"],
      description: "the run's deadline from its start, such as 90s, 30m or 2h: the vendor runs still going then are canceled and reported timed_out (simbridge run --timeout overrides it)"
    }
  }
  const target = root["properties"]["target"] as Json
  const vendors = root["properties"]["vendors"] as Json
  target["properties"] = {}
  vendors["properties"] = {}
  for (const plugin of plugins) {
    if (plugin.targetSchema) target["properties"][plugin.name] = { description: `${plugin.displayName}: the agent under test`, ...forSchema(plugin.targetSchema) }
    if (plugin.optionsSchema) vendors["properties"][plugin.name] = { description: `${plugin.displayName}: vendor options`, ...forSchema(plugin.optionsSchema) }
  }
  return root
}
