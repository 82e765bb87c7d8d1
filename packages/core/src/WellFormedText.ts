/**
 * Text Herald keeps must be well-formed Unicode. JSON can spell a lone UTF-16
 * surrogate ("\ud800"), and a JavaScript string holds one, but it is no
 * character: it has no UTF-8 form (Node writes U+FFFD in its place, so what
 * would be signed, sent or read back is not what was given), and Redis's Lua
 * cjson refuses to decode a record holding one, so every later update or
 * removal of that record failed. Such text is refused where it enters, naming
 * the path of the offending string; the API refuses it for a whole body at
 * once, and the services refuse it again for callers that embed them.
 */
import { fieldName, InvalidInput } from "./Errors.js"

/** Whether `text` is well-formed Unicode: holds no surrogate that is not half of a pair. */
export const isWellFormed = (text: string): boolean => text.isWellFormed()

const accepted = "a \\uD800 to \\uDFFF escape is accepted only as half of a surrogate pair"
/** How a refusal of ill-formed text ends, after the field's name. */
export const message = `must be well-formed Unicode text: ${accepted}`
/** For a bad key, named by its object's path: echoing the key would repeat the bad text. */
export const keyMessage = `has a key that is not well-formed Unicode text: ${accepted}`

/** Where ill-formed text was found in a value, and the refusal's sentence. */
export interface IllFormed {
  readonly path: ReadonlyArray<string | number>
  readonly message: string
}

/**
 * The first string or object key in a JSON value, in document order, that is
 * not well-formed, with its path from `value`; undefined when there is none.
 * Recursive: callers pass values already bounded in depth (parsed bodies, or
 * data `JSON.stringify` has been through). One path is kept, grown and shrunk
 * on the way, so the walk costs the size of the value, not its size times depth.
 */
export const find = (value: unknown, path: ReadonlyArray<string | number> = []): IllFormed | undefined => {
  const at = [...path]
  const walk = (value: unknown): string | undefined => {
    if (typeof value === "string") return isWellFormed(value) ? undefined : message
    if (typeof value !== "object" || value === null) return undefined
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) {
        at.push(index)
        const found = walk(value[index])
        if (found !== undefined) return found
        at.pop()
      }
      return undefined
    }
    const record = value as Record<string, unknown>
    for (const key of Object.keys(record)) {
      if (!isWellFormed(key)) return keyMessage
      at.push(key)
      const found = walk(record[key])
      if (found !== undefined) return found
      at.pop()
    }
    return undefined
  }
  const found = walk(value)
  return found === undefined ? undefined : { path: at, message: found }
}

/** `find` as the services' failure, under `path` (the field `value` came from), naming the field as the API does. */
export const check = (value: unknown, path: ReadonlyArray<string | number>): InvalidInput | undefined => {
  const found = find(value, path)
  return found === undefined ? undefined : InvalidInput.single(found.path, `${fieldName(found.path)} ${found.message}`)
}

/**
 * `check` of a value already written as JSON (`json`, by `JSON.stringify`), on the hot paths:
 * `JSON.stringify` writes a lone surrogate, and nothing else, as a `\udXXX` escape (other
 * backslashes come doubled), so text without one is well-formed and the walk is skipped.
 */
export const checkJson = (value: unknown, json: string, path: ReadonlyArray<string | number>): InvalidInput | undefined =>
  json.includes("\\ud") ? check(value, path) : undefined
