/**
 * Schema parse errors as a flat list of `{ path, message }`, with paths written the way users read
 * them (`personas[0].accent`). Used for suite-file errors and malformed vendor responses alike.
 *
 * @since 0.1.0
 */
import * as ParseResult from "effect/ParseResult"

export interface Issue {
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
}

export const formatPath = (path: ReadonlyArray<PropertyKey>): string => {
  let out = ""
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`
    else if (typeof key === "symbol") out += `[${String(key)}]`
    else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key)) out += out === "" ? key : `.${key}`
    else out += `[${JSON.stringify(key)}]`
  }
  return out
}

/** Flattens a parse error into one entry per failing path. */
export const fromParseError = (error: ParseResult.ParseError): ReadonlyArray<Issue> =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((i) => ({ path: i.path, message: i.message }))

/** `a.b[0]: message; c: message` */
export const summarize = (issues: ReadonlyArray<Issue>, prefix: ReadonlyArray<PropertyKey> = []): string =>
  issues
    .map((i) => {
      const p = formatPath([...prefix, ...i.path])
      return p === "" ? i.message : `${p}: ${i.message}`
    })
    .join("; ")
