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

const optionalBranch = /^Expected undefined, actual/
const nullBranch = /^Expected null, actual/

const isUnder = (path: ReadonlyArray<PropertyKey>, prefix: ReadonlyArray<PropertyKey>): boolean =>
  prefix.length <= path.length && prefix.every((key, i) => String(key) === String(path[i]))

const literal = /^Expected ("[^"]*"), actual (.*)$/s

/**
 * Merges the issues Schema reports per union member into one per path:
 *
 * - "Expected undefined" (the `undefined` branch of an optional field) and "Expected null" (the
 *   `null` branch of a nullable one) are dropped when another issue is at the same path or under
 *   it (`evaluators: expected undefined` beside `evaluators[1].type: ...`): they are union noise,
 *   not what the user got wrong;
 * - the literals of a union become one `Expected "a" | "b", actual ...`.
 */
export const merge = (issues: ReadonlyArray<Issue>): ReadonlyArray<Issue> => {
  const noise = (i: Issue) => optionalBranch.test(i.message) || nullBranch.test(i.message)
  const telling = issues.filter((i) => !noise(i))
  const kept = issues.filter((i) => !noise(i) || !telling.some((t) => isUnder(t.path, i.path)))
  const byPath = new Map<string, Array<Issue>>()
  for (const issue of kept) {
    const key = JSON.stringify(issue.path.map(String))
    byPath.set(key, [...(byPath.get(key) ?? []), issue])
  }
  const out: Array<Issue> = []
  for (const group of byPath.values()) {
    const literals = group.map((i) => literal.exec(i.message)).filter((m): m is RegExpExecArray => m !== null)
    if (literals.length > 1) {
      const rest = group.filter((i) => !literal.test(i.message))
      out.push({ path: group[0]!.path, message: `Expected ${literals.map((m) => m[1]).join(" | ")}, actual ${literals[0]![2]}` }, ...rest)
    } else {
      out.push(...group)
    }
  }
  return out
}

/** Flattens a parse error into one entry per failing path, union noise merged away (see {@link merge}). */
export const fromParseError = (error: ParseResult.ParseError): ReadonlyArray<Issue> =>
  merge(ParseResult.ArrayFormatter.formatErrorSync(error).map((i) => ({ path: i.path, message: i.message })))

/** `a.b[0]: message; c: message` */
export const summarize = (issues: ReadonlyArray<Issue>, prefix: ReadonlyArray<PropertyKey> = []): string =>
  issues
    .map((i) => {
      const p = formatPath([...prefix, ...i.path])
      return p === "" ? i.message : `${p}: ${i.message}`
    })
    .join("; ")
