/**
 * Roark's official Node SDK, v2.31 (Apache-2.0), from its source kept beside the repository
 * (`shared/vendors/roark-sdk-v2.31`, not on the npm registry these machines reach). Its
 * `src/resources/*.ts` are generated from Roark's OpenAPI file: the request and response types the
 * contract tests hold the adapter and the emulator to. TypeScript compiles it as its own project
 * (`tsconfig.sdk.json`, referenced by the tests' project); vitest runs its source.
 */
export { AuthenticationError, BadRequestError, NotFoundError, Roark } from "../../../../../shared/vendors/roark-sdk-v2.31/src/index.js"
export type * from "../../../../../shared/vendors/roark-sdk-v2.31/src/resources/index.js"
