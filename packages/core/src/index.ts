/**
 * @simbridge/core: the canonical model, the `SimulationProvider` service, provider errors, the
 * registry, the suite runner and the in-memory TestProvider.
 *
 * @since 0.1.0
 */
export * as Capabilities from "./Capabilities.js"
export * as Evaluator from "./Evaluator.js"
export * as Ids from "./Ids.js"
export * as Issues from "./Issues.js"
export * as Judge from "./Judge.js"
export * as Json from "./Json.js"
export * as Lru from "./Lru.js"
export * as Permits from "./Permits.js"
export * as Persona from "./Persona.js"
export * as Plan from "./Plan.js"
export * as PromiseApi from "./PromiseApi.js"
export * as ProviderError from "./ProviderError.js"
export * as ProviderHttp from "./ProviderHttp.js"
export * as ProviderRef from "./ProviderRef.js"
export * as ProviderRegistry from "./ProviderRegistry.js"
export * as Provisioning from "./Provisioning.js"
export * as Result from "./Result.js"
export * as Retry from "./Retry.js"
export * as Run from "./Run.js"
export * as RunTracker from "./RunTracker.js"
export * as Scenario from "./Scenario.js"
export * as SimulationProvider from "./SimulationProvider.js"
export * as Status from "./Status.js"
export * as SuiteReport from "./SuiteReport.js"
export * as SuiteRunner from "./SuiteRunner.js"
export * as Target from "./Target.js"
export * as TestProvider from "./TestProvider.js"
export * as Warning from "./Warning.js"
