/**
 * The bodies the emulator answers with: a run (detail and list item), a result (detail and list
 * item), a scenario, a test profile, an agent, a personality, and the `result.completed` webhook.
 *
 * @internal
 */
import type { Context } from "./Context.js"
import { conversationOf, evaluate, personalityName, profileOf, resultStatus, runStatus, scenarioOf, timeline, transcript, turnEnds } from "./Simulation.js"
import { formatDuration, iso, metricCatalogue } from "./State.js"
import type { AgentRec, PersonalityRec, ResultRec, RunRec, ScenarioRec, TestProfileRec } from "./State.js"

/** The undocumented status the emulator renders when an unknown enum value is injected. */
export const unknownStatus = "awaiting_review"

export const unknownOr = (ctx: Context, status: string) => (ctx.faults.unknownEnum() ? unknownStatus : status)

export const window = (run: RunRec) =>
  run.windowOpens === null
    ? { outbound_dial_window_opens_at: null, outbound_dial_window_seconds: null, outbound_dial_window_closes_at: null }
    : {
      outbound_dial_window_opens_at: new Date(run.windowOpens).toISOString(),
      outbound_dial_window_seconds: 300,
      outbound_dial_window_closes_at: new Date(run.windowOpens + 300_000).toISOString()
    }

/** Everything about a run at `t`, in the shape of `Run` (runs/{id}/, runs/bulk/). */
export const renderRun = (ctx: Context, run: RunRec, t: number, status: string) => {
  const result = ctx.state.results.get(run.result)!
  const scenario = scenarioOf(ctx, run)
  const agent = ctx.state.agent(result.agent, result.createdAt)
  const tl = timeline(ctx, result, run)
  const finished = status === "completed"
  const ev = finished ? evaluate(ctx, run) : undefined
  const conversation = finished ? conversationOf(ctx, run) : undefined
  const tr = conversation === undefined ? { transcript_object: [], transcript: "" } : transcript(conversation)
  const profile = profileOf(ctx, run.testProfile)
  return {
    id: run.id,
    provider_call_id: `call_${run.id.toString(16).padStart(8, "0")}`,
    trace_id: (BigInt(run.id) * 2654435761n).toString(16).padStart(32, "0").slice(-32),
    scenario: run.scenario,
    scenario_name: scenario?.name ?? "Scenario Deleted",
    scenario_type: "instruction",
    personality: run.personality,
    personality_name: personalityName(ctx, run.personality),
    agent: result.agent,
    agent_name: agent.agent_name,
    result_id: result.id,
    result_name: result.name,
    expected_outcome_prompt: scenario?.expected_outcome_prompt ?? "",
    expected_outcome: ev?.expected_outcome ?? null,
    evaluation: ev?.evaluation ?? { metrics: [] },
    rubric: null,
    transcript: tr.transcript,
    transcript_object: tr.transcript_object,
    duration: conversation === undefined ? "00:00" : formatDuration(conversation.durationMs / 1000),
    voice_recording_url: finished && !result.runAsText ? `https://recordings.cekura.emulator.invalid/runs/${run.id}.wav` : "",
    email_id: null,
    status,
    evaluation_status: ev === undefined ? "failure" : ev.success ? "success" : "failure",
    metadata: {},
    success: ev?.success ?? false,
    is_reviewed: false,
    feedback: "",
    timestamp: iso(result.createdAt),
    executed_at: t >= tl.start && status !== "pending" && status !== "in_queue" ? iso(tl.start) : null,
    outbound_number: run.number ?? "",
    inbound_number: run.inboundNumber ?? "",
    critical_categories: [],
    error_message: status === "failed"
      ? "Call failed to connect: the agent's number did not answer."
      : status === "timeout" ? "The agent did not dial within the outbound dial window." : "",
    scenario_instructions: scenario?.instructions ?? "",
    run_as_text: result.runAsText,
    test_profile_data: profile === undefined ? null : { id: profile.id, name: profile.name, information: profile.information },
    generated_mock_tool_entries: [],
    mocked_tool_names: [],
    provider_call_details: {},
    agent_number: run.agentNumber,
    testing_channel_index: null,
    run_type: result.runAsText ? "Text" : null,
    ...window(run)
  }
}

export const renderRunList = (ctx: Context, run: RunRec, t: number) => {
  const full = renderRun(ctx, run, t, unknownOr(ctx, runStatus(ctx, ctx.state.results.get(run.result)!, run, t)))
  const profile = profileOf(ctx, run.testProfile)
  return {
    id: full.id, provider_call_id: full.provider_call_id, trace_id: full.trace_id, scenario: full.scenario, scenario_name: full.scenario_name,
    personality: full.personality, personality_name: full.personality_name, result_id: full.result_id, agent: full.agent, agent_name: full.agent_name,
    duration: full.duration, status: full.status, evaluation_status: full.evaluation_status, expected_outcome: full.expected_outcome ?? {},
    success: full.success, timestamp: full.timestamp, executed_at: full.executed_at, metadata: {}, outbound_number: full.outbound_number,
    inbound_number: full.inbound_number, critical_categories: [], metrics: full.evaluation.metrics, error_message: full.error_message,
    run_as_text: full.run_as_text, test_profile_name: profile?.name ?? "", agent_number: full.agent_number, run_type: full.run_type,
    outbound_dial_window_opens_at: full.outbound_dial_window_opens_at, outbound_dial_window_seconds: full.outbound_dial_window_seconds,
    outbound_dial_window_closes_at: full.outbound_dial_window_closes_at
  }
}

/** The result detail (`ResultDetailV2`) at `t`; `status` is rendered through the fault hook first. */
export const renderResult = (ctx: Context, result: ResultRec, t: number) => {
  const runs = result.runs.map((id) => ctx.state.runs.get(id)!)
  const statuses = runs.map((r) => runStatus(ctx, result, r, t))
  const status = unknownOr(ctx, resultStatus(result, statuses))
  const full = runs.map((r, i) => renderRun(ctx, r, t, statuses[i]!))
  const finished = full.filter((r) => ["completed", "failed", "timeout", "cancelled"].includes(r.status))
  const successes = full.filter((r) => r.success)
  const withOutcome = full.filter((r) => r.expected_outcome !== null)
  const agent = ctx.state.agent(result.agent, result.createdAt)
  const totalSeconds = full.filter((r) => r.status === "completed").reduce((n, r) => n + (Number(r.duration.slice(0, 2)) * 60 + Number(r.duration.slice(3))), 0)
  return {
    id: result.id,
    name: result.name,
    agent: result.agent,
    agent_name: agent.agent_name,
    status,
    met_expected_outcome_count: withOutcome.filter((r) => r.expected_outcome!.score === 100).length,
    total_expected_outcome_count: withOutcome.length,
    /** A percentage (0-100): see docs/providers/cekura.md. */
    success_rate: full.length === 0 ? 0 : Math.round((10000 * successes.length) / full.length) / 100,
    run_as_text: result.runAsText,
    is_cronjob: false,
    runs: Object.fromEntries(full.map((r) => [String(r.id), {
      id: r.id,
      scenario: r.scenario,
      outbound_number: r.outbound_number,
      expected_outcome: r.expected_outcome,
      success: r.success,
      evaluation: r.evaluation,
      timestamp: r.timestamp,
      executed_at: r.executed_at,
      error_message: r.error_message,
      status: r.status,
      duration: r.duration,
      scenario_name: r.scenario_name,
      personality_name: r.personality_name,
      metadata: r.metadata,
      inbound_number: r.inbound_number
    }])),
    overall_evaluation: finished.length === 0 ? null : { success_rate: full.length === 0 ? 0 : successes.length / full.length },
    total_duration: formatDuration(totalSeconds),
    total_runs_count: full.length,
    completed_runs_count: finished.length,
    success_runs_count: successes.length,
    failed_runs_count: finished.length - successes.length,
    connected_runs: full.filter((r) => r.status === "completed").map((r) => r.id),
    not_connected_runs: full.filter((r) => r.status === "failed" || r.status === "timeout").map((r) => r.id),
    failed_infrastructure_runs: full.filter((r) => r.status === "failed").map((r) => r.id),
    failed_workflow_runs: full.filter((r) => r.status === "completed" && !r.success).map((r) => r.id),
    successful_calls: successes.map((r) => r.id),
    scenarios: [...new Set(runs.map((r) => r.scenario))].map((id) => ({ id, name: ctx.state.scenarios.get(id)?.name ?? "Scenario Deleted" })),
    run_type: result.runAsText ? "Text" : null,
    run_settings: result.settings,
    created_at: iso(result.createdAt),
    updated_at: iso(Math.min(t, Math.max(result.createdAt, ...runs.map((r) => timeline(ctx, result, r).end))))
  }
}

/** A result list item (`Result`). */
export const renderResultItem = (ctx: Context, result: ResultRec, t: number) => {
  const d = renderResult(ctx, result, t)
  return {
    id: d.id, name: d.name, agent: d.agent, agent_name: d.agent_name, agent_inbound: ctx.state.agent(result.agent, t).inbound, status: d.status,
    success_rate: d.success_rate, run_as_text: d.run_as_text, is_cronjob: d.is_cronjob,
    // Summaries keyed by run id: the file types the list's `runs` as an object, as the detail's.
    runs: Object.fromEntries(Object.values(d.runs).map((r) => [String(r.id), { id: r.id, status: r.status, success: r.success, scenario: r.scenario }])),
    met_expected_outcome_count: d.met_expected_outcome_count, total_expected_outcome_count: d.total_expected_outcome_count,
    total_runs_count: d.total_runs_count, completed_runs_count: d.completed_runs_count, success_runs_count: d.success_runs_count,
    failed_runs_count: d.failed_runs_count, scenarios: d.scenarios, run_type: d.run_type, created_at: d.created_at, updated_at: d.updated_at
  }
}

export const renderScenario = (ctx: Context, s: ScenarioRec) => {
  const agent = ctx.state.agents.get(s.agent)
  const profile = profileOf(ctx, s.test_profile)
  return {
    id: s.id, name: s.name, agent: s.agent, project: s.project, personality: s.personality, personality_name: personalityName(ctx, s.personality),
    agent_name: agent?.agent_name ?? "", tags: s.tags, tool_ids: [], metrics: s.metrics,
    metric_names: s.metrics.map((id) => metricCatalogue[id]?.name ?? `Metric ${id}`), phone_number: agent?.contact_number ?? "",
    first_message: s.first_message, inbound_phone_number: null, instructions: s.instructions, simulation_description: "",
    information_fields: {}, expected_outcome_prompt: s.expected_outcome_prompt, scenario_language: "en", scenario_type: "instruction",
    suite_type: "undefined", is_predefined: false, test_profile: s.test_profile,
    ...(profile === undefined ? {} : { test_profile_data: renderProfile(ctx, profile) }),
    folder_path: s.folder_path, max_duration: null, created_at: s.created_at, updated_at: s.updated_at
  }
}

export const renderProfile = (ctx: Context, p: TestProfileRec) => ({
  id: p.id, project: p.project, agent: p.agent, agent_name: p.agent === null ? "" : ctx.state.agents.get(p.agent)?.agent_name ?? "",
  name: p.name, information: p.information, created_by: 1, last_updated_by: 1, created_at: p.created_at, updated_at: p.updated_at
})

export const renderAgent = (ctx: Context, a: AgentRec) => ({
  id: a.id, project: a.project, agent_name: a.agent_name, contact_number: a.contact_number, inbound: a.inbound, description: a.description,
  language: a.language, assistant_id: a.assistant_id, websocket_url: null, llm_model: "gpt-4o", assistant_provider: "vapi",
  enabled_personalities: [...ctx.state.personalities.values()].filter((p) => p.project === null || p.project === a.project).map((p) => p.id), created_at: a.created_at, updated_at: a.updated_at,
  ...(a.webhook_url === null ? {} : { webhook_url: a.webhook_url })
})

/** A personality (`CreatePersonality`); a global one of the catalogue has no project. */
export const renderPersonality = (p: PersonalityRec) => ({
  id: p.id, ...(p.project === null ? {} : { project: p.project }), name: p.name, prompt: p.prompt, language: p.language, accent: p.accent,
  background_noise: p.background_noise, voice_model: p.voice_model, voice_id: p.voice_id, interruption_level: "low", speed: "normal",
  patronus_settings: null, provider_agent_id: "", end_call_enabled: p.end_call_enabled, provider: p.provider
})

/** The `result.completed` webhook payload (runs keyed by id, webhook-shaped metrics and transcript). */
export const webhookPayload = (ctx: Context, result: ResultRec, t: number) => {
  const d = renderResult(ctx, result, t)
  const runs = result.runs.map((id) => ctx.state.runs.get(id)!)
  return {
    event_type: "result.completed",
    data: {
      id: d.id, name: d.name, agent: d.agent, status: d.status, met_expected_outcome_count: d.met_expected_outcome_count,
      total_expected_outcome_count: d.total_expected_outcome_count, success_rate: d.success_rate, run_as_text: d.run_as_text,
      is_cronjob: false,
      runs: Object.fromEntries(runs.map((run) => {
        const r = renderRun(ctx, run, t, runStatus(ctx, result, run, t))
        const ends = r.status === "completed" ? turnEnds(conversationOf(ctx, run)) : []
        return [String(r.id), {
          id: r.id,
          scenario: { id: r.scenario, name: r.scenario_name, personality_name: r.personality_name, expected_outcome_prompt: r.expected_outcome_prompt },
          expected_outcome: r.expected_outcome,
          success: r.success,
          evaluation: {
            metrics: r.evaluation.metrics.map((m) => ({
              id: m.id, name: m.name, eval_type: m.type, ...(m.type === "binary" ? { passed: m.score > 0 } : { score: m.score }), explanation: m.explanation,
              vocera_defined_metric_code: ""
            }))
          },
          transcript_object: r.transcript_object.map((x, i) => ({ role: x.role, time: formatDuration(x.timestamp), content: x.content, start_time: x.timestamp, end_time: ends[i] ?? x.timestamp })),
          voice_recording: r.voice_recording_url,
          timestamp: r.timestamp,
          executed_at: r.executed_at,
          error_message: r.error_message,
          status: r.status
        }]
      })),
      created_at: d.created_at
    }
  }
}
