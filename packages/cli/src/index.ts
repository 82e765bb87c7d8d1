/**
 * The `herald` command as a library: the root command and its parts, to run it
 * in a test or to build a command on it (`Main.command`, `Main.main`).
 *
 * @packageDocumentation
 */
export * as Config from "./Config.js"
export * as Errors from "./Errors.js"
export * as Main from "./Main.js"
export * as Output from "./Output.js"
