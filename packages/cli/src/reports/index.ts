/**
 * The report writers of `simbridge run` (`--junit`, `--markdown`, `--html`) and `simbridge compare`.
 * Each is a pure function of a {@link SuiteReport}: the CLI writes the returned string.
 *
 * @since 0.1.0
 */
export * as Compare from "./Compare.js"
export * as HtmlReport from "./HtmlReport.js"
export * as JUnitReport from "./JUnitReport.js"
export * as MarkdownReport from "./MarkdownReport.js"
