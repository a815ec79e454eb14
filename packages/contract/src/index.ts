/**
 * @simbridge/contract: a vendor's OpenAPI file as the judge of what simbridge sends and what its
 * emulators answer (test support; private).
 *
 * @since 0.1.0
 */
export * as Exchanges from "./Exchanges.js"
export * as OpenApi from "./OpenApi.js"
export * as Relaxation from "./Relaxation.js"
