/**
 * Routes of workflow runs (`/v1/workflow-runs`: the run with its events, its evaluation result)
 * and of enough of `/v1/workflows` to create, list, read and rename a workflow.
 *
 * @internal
 */
import { randomUUID } from "node:crypto"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { renderWorkflow, renderWorkflowRun } from "./Bodies.js"
import type { Context } from "./Context.js"
import { notFound } from "./Errors.js"
import { evaluationOf, executionsOf } from "./Executions.js"
import { basePath, body, json, page, PageQuery, pathId, query, where } from "./Http.js"
import { objectId } from "./Store.js"
import type { WorkflowRecord } from "./Store.js"

const now = Clock.currentTimeMillis

const CreateWorkflowBody = Schema.Struct({
  name: Schema.NonEmptyTrimmedString,
  description: Schema.optional(Schema.NullOr(Schema.String)),
  config: Schema.optional(Schema.Struct({
    evaluation_criteria: Schema.optional(Schema.Array(Schema.Union(Schema.String, Schema.Struct({ metric_name: Schema.String }), Schema.Struct({ name: Schema.String }))))
  }))
})

export const workflowRoutes = (ctx: Context) => {
  const { groups, workflowRuns, workflows } = ctx.store
  return HttpRouter.empty.pipe(
    HttpRouter.get(
      "/v1/workflow-runs/:workflow_run_id",
      Effect.gen(function*() {
        const id = yield* pathId("workflow_run_id")
        const doc = renderWorkflowRun(ctx, id, yield* now, yield* where)
        return yield* doc === undefined ? Effect.fail(notFound("Workflow run")) : json({ workflow_run: doc })
      })
    ),
    HttpRouter.get(
      "/v1/workflow-runs/:workflow_run_id/evaluation-result",
      Effect.gen(function*() {
        const id = yield* pathId("workflow_run_id")
        const ref = workflowRuns.get(id)
        const group = ref && groups.get(ref.groupId)
        if (!ref || !group) return yield* Effect.fail(notFound("Workflow run"))
        const e = executionsOf(ctx, group, yield* now)[ref.index]!
        const evaluation = evaluationOf(e, ref.role)
        return yield* evaluation === undefined ? Effect.fail(notFound("Evaluation result")) : json(evaluation)
      })
    ),
    HttpRouter.post(
      "/v1/workflows",
      Effect.gen(function*() {
        const input = yield* body(CreateWorkflowBody)
        const t = yield* now
        const metrics = (input.config?.evaluation_criteria ?? []).map((c) => (typeof c === "string" ? c : "metric_name" in c ? c.metric_name : c.name))
        const w: WorkflowRecord = { id: objectId(t), name: input.name, description: input.description ?? null, logicalId: `workflow_${randomUUID()}`, metrics, createdAt: t, updatedAt: t }
        workflows.set(w.id, w)
        return yield* json({ workflow: renderWorkflow(w), execution_url: `${basePath}/v1/workflows/${w.id}/execute` })
      })
    ),
    HttpRouter.get(
      "/v1/workflows",
      Effect.gen(function*() {
        const q = yield* query(Schema.Struct({ ...PageQuery.fields, search: Schema.optional(Schema.String) }))
        const needle = q.search?.toLowerCase()
        const all = [...workflows.values()]
          .filter((w) => needle === undefined || [w.name, w.description].some((x) => x?.toLowerCase().includes(needle)))
          .sort((a, b) => b.createdAt - a.createdAt)
        return yield* json({ workflows: page(all, q).map(renderWorkflow), total: all.length })
      })
    ),
    HttpRouter.get(
      "/v1/workflows/:workflow_id",
      Effect.gen(function*() {
        const id = yield* pathId("workflow_id")
        const w = workflows.get(id)
        return yield* w === undefined ? Effect.fail(notFound("Workflow")) : json({ workflow: renderWorkflow(w), execution_url: `${basePath}/v1/workflows/${w.id}/execute` })
      })
    ),
    HttpRouter.patch(
      "/v1/workflows/:workflow_id",
      Effect.gen(function*() {
        const id = yield* pathId("workflow_id")
        const w = workflows.get(id)
        if (w === undefined) return yield* Effect.fail(notFound("Workflow"))
        const patch = yield* body(Schema.Struct({ name: Schema.optional(Schema.NonEmptyTrimmedString), description: Schema.optional(Schema.NullOr(Schema.String)) }))
        if (patch.name !== undefined) w.name = patch.name
        if (patch.description !== undefined) w.description = patch.description
        w.updatedAt = yield* now
        return yield* json({ workflow: renderWorkflow(w) })
      })
    )
  )
}
