/** The shared example suite (docs and CLI demo). */
export { dentalClinic, dentalClinicPlan as dentalPlan } from "@simbridge/conformance/Fixtures"

export const assistantId = "7b0c2a9e-1d2f-4c1a-9e55-0a4f3f6b8d21"
