// A TypeDoc plugin (loaded by typedoc.json) for Herald's API reference:
//
// - names each entry point by its import specifier (`@herald/core`,
//   `@herald/http/edge/Protection`) instead of its path in the repository;
// - uses a module's header comment (the `/** ... */` that opens the file) as the
//   doc of that module and of each `export * as X` namespace that re-exports it,
//   so a module is documented once, where it is written;
// - fails validation (typedoc.json treats validation warnings as errors) for
//   every exported name of a Herald package without a doc comment, naming the
//   import specifier, the name and the file and line to document.
//
// TypeDoc's own `validation.notDocumented` is not used: it also demands docs on
// every function-typed property, including those Effect's `Context.Tag` classes
// inherit (hundreds of warnings about Effect's internals), and it ignores module
// header comments without a `@module` tag.
import { readFileSync } from "node:fs"
import { relative } from "node:path"
import { Application, Comment, Converter, ReflectionKind, ReflectionType } from "typedoc"

const HERALD = "@herald/"

/** Kinds whose exported names need a doc comment; a namespace or module needs one too. */
const DECLARATIONS =
  ReflectionKind.Variable |
  ReflectionKind.Function |
  ReflectionKind.Class |
  ReflectionKind.Interface |
  ReflectionKind.TypeAlias |
  ReflectionKind.Enum
const CONTAINERS = ReflectionKind.Module | ReflectionKind.Namespace

const headers = new Map()

/** The text of the doc comment that opens a file, if it opens with one. */
const headerOf = (fileName) => {
  if (!headers.has(fileName)) {
    const match = /^\s*\/\*\*(?!\/)([\s\S]*?)\*\//.exec(readFileSync(fileName, "utf8"))
    const text = match?.[1]
      ?.split("\n")
      .map((line) => line.replace(/^\s*\* ?/, ""))
      .join("\n")
      .trim()
    headers.set(fileName, text ? text : undefined)
  }
  return headers.get(fileName)
}

/** `@herald/http/edge/Protection` for packages/http/src/edge/Protection.ts. */
const specifierOf = (symbolId) =>
  (symbolId.packageName + "/" + symbolId.packagePath.replace(/^src\//, "").replace(/\.ts$/, ""))
    .replace(/\/index$/, "")

/** A module, or a namespace made by `export * as X` (its symbol is the module's file, not a `namespace` block). */
const isWholeModule = (project, reflection) => {
  const symbolId = project.getSymbolIdFromReflection(reflection)
  return reflection.kindOf(ReflectionKind.Module) || symbolId?.qualifiedName === ""
}

const hasDoc = (reflection) => {
  if (reflection.hasComment()) return true
  const signatures =
    reflection.type instanceof ReflectionType ? reflection.type.declaration.getNonIndexSignatures() : reflection.getNonIndexSignatures()
  return signatures.some((signature) => signature.hasComment())
}

/** @param {Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const project = context.project
    for (const module of project.children ?? []) {
      const symbolId = project.getSymbolIdFromReflection(module)
      if (module.kindOf(ReflectionKind.Module) && symbolId?.packageName.startsWith(HERALD)) {
        module.name = specifierOf(symbolId)
      }
    }
    for (const reflection of project.getReflectionsByKind(CONTAINERS)) {
      const fileName = reflection.sources?.[0]?.fullFileName
      if (reflection.hasComment() || fileName === undefined || !isWholeModule(project, reflection)) continue
      const header = headerOf(fileName)
      if (header !== undefined) reflection.comment = new Comment([{ kind: "text", text: header }])
    }
    project.children?.sort((a, b) => a.name.localeCompare(b.name))
  })

  app.on(Application.EVENT_VALIDATE_PROJECT, (project) => {
    const missing = []
    const visit = (container, specifier, path) => {
      for (const child of container.children ?? []) {
        if (!child.kindOf(DECLARATIONS | CONTAINERS)) continue
        const symbolId = project.getSymbolIdFromReflection(child)
        if (!symbolId?.packageName.startsWith(HERALD)) continue
        if (!hasDoc(child)) {
          const source = child.sources?.[0]
          const where = source ? `${relative(process.cwd(), source.fullFileName)}:${source.line}` : symbolId.packagePath
          const what = isWholeModule(project, child)
            ? "has no header comment (open the module with a /** ... */ saying what it is for)"
            : "has no doc comment"
          missing.push(`${specifier}: ${path}${child.name} (${ReflectionKind[child.kind]}) ${what}, at ${where}`)
        }
        if (child.kindOf(CONTAINERS)) visit(child, specifier, `${path}${child.name}.`)
      }
    }
    for (const module of project.children ?? []) {
      if (!module.kindOf(ReflectionKind.Module)) continue
      if (!module.hasComment()) {
        const source = module.sources?.[0]
        missing.push(`${module.name}: the module has no header comment, at ${source ? relative(process.cwd(), source.fullFileName) : module.name}`)
      }
      visit(module, module.name, "")
    }
    for (const line of missing) app.logger.validationWarning(line)
    if (missing.length > 0) {
      app.logger.validationWarning(
        `${missing.length} exported name(s) of Herald's packages lack a doc comment: say what each is, when to use it, what it needs and how it fails.`
      )
    }
  })
}
