/**
 * docs/operations holds what an operator imports: a Grafana dashboard and Prometheus alert rules over
 * Herald's metrics. They are text no compiler reads, so this keeps them honest: the dashboard has
 * what Grafana needs to import it (a Prometheus datasource variable every query uses, panels with
 * queries and descriptions, unique ids, a layout without overlaps), every rule has its name,
 * expression, `for`, severity and summary, and every `herald_*` metric either of them queries, and
 * every label it matches on, groups by or prints, is in a real scrape of `GET /metrics` taken after
 * real deliveries (a success, a retried failure, a 410 that disables its webhook), an idempotent
 * replay, a rate limit's refusal and a store's failure (Redis stopped). A matcher's exact value must
 * be one the scrape shows or the family's help names (`reason="failing"`, which takes days of
 * failures to see). Where promtool is installed, it checks the rules and runs their unit tests
 * (`alerts.test.yml`: each alert fires, and not before, on made-up series), and checks the
 * dashboard's queries as recording rules, with Prometheus' own parser.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { HeraldApi } from "@herald/http/Contract"
import * as Protection from "@herald/http/edge/Protection"
import * as RateLimiting from "@herald/http/edge/RateLimiting"
import { PrometheusText, TestReceiver } from "@herald/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parse as parseYaml } from "yaml"
import { backends, KEY_ACME, type RunningApp, start } from "./support/Harness.js"

const docs = (file: string) => readFileSync(new URL(`../../../docs/operations/${file}`, import.meta.url), "utf8")

interface Target {
  readonly expr: string
  readonly refId: string
  readonly legendFormat?: string
  readonly datasource?: { readonly type?: string; readonly uid?: string }
}
interface Panel {
  readonly id: number
  readonly type: string
  readonly title: string
  readonly description?: string
  readonly datasource?: { readonly type?: string; readonly uid?: string }
  readonly gridPos: { readonly h: number; readonly w: number; readonly x: number; readonly y: number }
  readonly targets?: ReadonlyArray<Target>
  readonly panels?: ReadonlyArray<Panel>
}
interface Variable {
  readonly name: string
  readonly type: string
  readonly query?: unknown
  readonly definition?: string
}
interface Dashboard {
  readonly title: string
  readonly uid: string
  readonly schemaVersion: number
  readonly panels: ReadonlyArray<Panel>
  readonly templating: { readonly list: ReadonlyArray<Variable> }
}
interface Rule {
  readonly alert?: unknown
  readonly expr?: unknown
  readonly for?: unknown
  readonly labels?: { readonly severity?: unknown }
  readonly annotations?: { readonly summary?: unknown; readonly description?: unknown }
}
interface Rules {
  readonly groups: ReadonlyArray<{ readonly name: string; readonly rules: ReadonlyArray<Rule> }>
}

const dashboard = JSON.parse(docs("grafana-dashboard.json")) as Dashboard
const rules = parseYaml(docs("alerts.yml")) as Rules
const operationsReadme = docs("README.md")

/** Every panel, those inside collapsed rows included. */
const allPanels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])])
const queryPanels = allPanels.filter((panel) => panel.type !== "row")
const allRules = rules.groups.flatMap((group) => group.rules)

/** Grafana's variables as Prometheus would see them once Grafana has put in their values. */
const asPrometheus = (expr: string) =>
  expr.replaceAll("$__rate_interval", "5m").replaceAll("$__interval", "1m").replaceAll("$__range", "1h").replaceAll("$job", ".+")

/** Each query to check, named for the failure message. */
const queries: ReadonlyArray<{ readonly where: string; readonly expr: string; readonly legend?: string }> = [
  ...queryPanels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      where: `dashboard panel "${panel.title}" ${target.refId}`,
      expr: asPrometheus(target.expr),
      ...(target.legendFormat === undefined ? {} : { legend: target.legendFormat })
    }))
  ),
  ...dashboard.templating.list.filter((variable) => variable.definition !== undefined).map((variable) => ({
    where: `dashboard variable ${variable.name}`,
    expr: variable.definition!
  })),
  ...allRules.map((rule) => ({ where: `alert ${String(rule.alert)}`, expr: String(rule.expr) }))
]

const HERALD_NAME = /\bherald_[a-zA-Z0-9_:]*/g
const SELECTOR = /\b(herald_[a-zA-Z0-9_:]*)\s*\{([^}]*)\}/g
const MATCHER = /([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g
const GROUPING = /\b(by|without)\s*\(([^)]*)\)/g
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** Labels Prometheus adds (the target's), and a histogram bucket's bound. */
const ADDED_LABELS = new Set(["job", "instance"])

/** The text of the parenthesised group that opens at `open` (an index of "(") or closes at `close`. */
const group = (expr: string, at: number, direction: "forward" | "back"): string => {
  let depth = 0
  if (direction === "forward") {
    for (let i = at; i < expr.length; i++) {
      if (expr[i] === "(") depth++
      if (expr[i] === ")" && --depth === 0) return expr.slice(at + 1, i)
    }
  } else {
    for (let i = at; i >= 0; i--) {
      if (expr[i] === ")") depth++
      if (expr[i] === "(" && --depth === 0) return expr.slice(i + 1, at)
    }
  }
  throw new Error(`unbalanced parentheses in ${expr}`)
}

/** Each `by (...)`/`without (...)` of `expr` with its labels and the expression it aggregates. */
const groupings = (expr: string) =>
  [...expr.matchAll(GROUPING)].map((match) => {
    const labels = match[2]!.split(",").map((label) => label.trim()).filter((label) => label !== "")
    const after = match.index + match[0].length
    const next = expr.slice(after).search(/\S/)
    const argument = next >= 0 && expr[after + next] === "("
      ? group(expr, after + next, "forward")
      : group(expr, expr.slice(0, match.index).trimEnd().length - 1, "back")
    return { labels, argument }
  })

describe("docs/operations/grafana-dashboard.json", () => {
  const datasource = dashboard.templating.list.find((variable) => variable.type === "datasource")

  it("is a dashboard Grafana imports into any Prometheus: a datasource variable every panel and query uses", () => {
    expect(typeof dashboard.title).toBe("string")
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/)
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36)
    expect(datasource?.query).toBe("prometheus")
    const uid = `\${${datasource?.name}}`
    for (const panel of queryPanels) {
      expect(panel.datasource, panel.title).toEqual({ type: "prometheus", uid })
      for (const target of panel.targets ?? []) expect(target.datasource, `${panel.title} ${target.refId}`).toEqual({ type: "prometheus", uid })
    }
    // The job variable filters every Herald series the panels query.
    expect(dashboard.templating.list.map((variable) => variable.name)).toContain("job")
    for (const panel of queryPanels) {
      for (const target of panel.targets ?? []) {
        for (const [selector] of target.expr.matchAll(SELECTOR)) expect(selector, panel.title).toContain("job=~\"$job\"")
        expect(target.expr.replace(SELECTOR, ""), `${panel.title}: a herald_ metric without a selector`).not.toMatch(HERALD_NAME)
      }
    }
  })

  it("has panels with unique ids, a one-line description and queries each, laid out without overlaps", () => {
    const ids = allPanels.map((panel) => panel.id)
    expect(ids.every((id) => Number.isInteger(id))).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
    expect(queryPanels.length).toBeGreaterThan(10)
    for (const panel of queryPanels) {
      expect(panel.description, panel.title).toMatch(/^[^\n]{10,250}$/)
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0)
      const refIds = panel.targets!.map((target) => target.refId)
      expect(new Set(refIds).size, panel.title).toBe(refIds.length)
      for (const target of panel.targets!) expect(target.expr.trim(), panel.title).not.toBe("")
    }
    const boxes = allPanels.map((panel) => ({ title: panel.title, ...panel.gridPos }))
    for (const box of boxes) {
      expect(box.w > 0 && box.h > 0 && box.x >= 0 && box.y >= 0 && box.x + box.w <= 24, box.title).toBe(true)
    }
    boxes.forEach((one, i) =>
      boxes.slice(i + 1).forEach((other) => {
        const overlap = one.x < other.x + other.w && other.x < one.x + one.w && one.y < other.y + other.h && other.y < one.y + one.h
        expect(overlap, `${one.title} overlaps ${other.title}`).toBe(false)
      })
    )
  })

  it("covers the rows the operations guide describes", () => {
    const rows = dashboard.panels.filter((panel) => panel.type === "row").map((panel) => panel.title)
    expect(rows).toEqual(["Overview", "Delivery flow", "Lateness", "Queue", "Failures", "API", "Stores", "Publish"])
  })
})

describe("docs/operations/alerts.yml", () => {
  it("is rule groups whose every rule has a name, an expression, a for, a severity and a summary", () => {
    expect(rules.groups.length).toBeGreaterThan(0)
    const names = allRules.map((rule) => rule.alert)
    expect(new Set(names).size).toBe(names.length)
    for (const rule of allRules) {
      expect(rule.alert).toMatch(/^Herald[A-Za-z0-9]+$/)
      expect(typeof rule.expr === "string" && rule.expr.includes("herald_"), String(rule.alert)).toBe(true)
      expect(rule.for, String(rule.alert)).toMatch(/^\d+[smh]$/)
      expect(["critical", "warning", "info"], String(rule.alert)).toContain(rule.labels?.severity)
      expect(rule.annotations?.summary, String(rule.alert)).toMatch(/^[^\n]{10,120}$/)
      expect(rule.annotations?.description, String(rule.alert)).toMatch(/^[^\n]{10,400}$/)
    }
  })

  it("prints only labels its expression keeps, and the operations guide explains every alert", () => {
    for (const rule of allRules) {
      const kept = new Set(groupings(String(rule.expr)).flatMap((one) => one.labels))
      const printed = [...JSON.stringify(rule.annotations).matchAll(/\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)/g)].map((match) => match[1])
      for (const label of printed) expect(kept, `${String(rule.alert)} prints $labels.${label}`).toContain(label)
      expect(operationsReadme, `README.md's table explains ${String(rule.alert)}`).toContain(`| \`${String(rule.alert)}\` |`)
    }
  })
})

/** Families only a store backend makes: on the memory backend (no Redis here) they cannot be scraped. */
const STORE_ONLY = new Set(["herald_store_errors_total"])

describe("the dashboard's and the rules' metrics, against a real scrape", () => {
  const backend = backends.includes("redis") ? "redis" : "memory"
  let app: RunningApp
  let families: ReadonlyArray<PrometheusText.Family> = []
  let exempt = new Set<string>()
  const receivers: Array<TestReceiver.RunningReceiver> = []

  const api = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${app.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${KEY_ACME}`, "content-type": "application/json", ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
  const scrape = async () => PrometheusText.parse(await (await fetch(`${app.baseUrl}/metrics`)).text())
  const subscribe = async (respond: TestReceiver.Responder) => {
    const receiver = await TestReceiver.start({ respond })
    receivers.push(receiver)
    const response = await api("POST", "/v1/webhooks", { url: `${receiver.url}/hooks`, events: ["batch_prediction.completed"] })
    expect(response.status).toBe(201)
    return receiver
  }
  const until = async (done: (families: ReadonlyArray<PrometheusText.Family>) => boolean) => {
    let last = await scrape()
    for (let i = 0; i < 100 && !done(last); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      last = await scrape()
    }
    return last
  }

  beforeAll(async () => {
    const defaults = Protection.defaultsFor(HeraldApi)
    app = await start({
      backend,
      retrySchedule: [0, 100, 100],
      protection: {
        ...defaults,
        rateLimits: RateLimiting.make(Protection.routesOf(HeraldApi), { limits: { default: 1_000, "GET /v1/webhooks": 1 }, windowMs: 60_000 })
      }
    })
    const ok = await subscribe(() => TestReceiver.reply(200))
    const flaky = await subscribe((_, index) => TestReceiver.reply(index === 0 ? 500 : 200))
    const gone = await subscribe(() => TestReceiver.reply(410))
    const event = { event_type: "batch_prediction.completed", data: { id: "bp_ops" } }
    for (let i = 0; i < 2; i++) expect((await api("POST", "/v1/events", event, { "idempotency-key": "operations-docs" })).status).toBe(202)
    await Promise.all([ok.awaitRequests(1), flaky.awaitRequests(2), gone.awaitRequests(1)])
    expect((await api("GET", "/v1/webhooks")).status).toBe(200)
    expect((await api("GET", "/v1/webhooks")).status).toBe(429)
    await until((scraped) => PrometheusText.total(scraped, "herald_delivery_attempts_total") >= 4)
    if (app.redis === undefined) exempt = STORE_ONLY
    else {
      // A store's failure: Redis stopped until a failed call is counted, then back.
      await app.redis.stop()
      await until((scraped) => PrometheusText.total(scraped, "herald_store_errors_total") > 0)
      await app.redis.restart()
    }
    families = await scrape()
  }, 60_000)

  afterAll(async () => {
    await Promise.all(receivers.map((receiver) => receiver.close()))
    await app?.close()
  })

  /** The family a name in a query reads: itself, or the histogram its _bucket, _sum or _count belongs to. */
  const familyOf = (name: string) =>
    families.find((family) => family.name === name) ??
      families.find((family) => family.type === "histogram" && /_(bucket|sum|count)$/.test(name) && name.replace(/_(bucket|sum|count)$/, "") === family.name)
  const labelsOf = (family: PrometheusText.Family) => new Set(family.series.flatMap((one) => Object.keys(one.labels)))
  const valuesOf = (family: PrometheusText.Family, label: string) => new Set(family.series.map((one) => one.labels[label]))

  it(`names only metrics the exposition has (${backend} backend)`, () => {
    expect(families.length).toBeGreaterThan(0)
    for (const { expr, where } of queries) {
      for (const [name] of expr.matchAll(HERALD_NAME)) {
        if (exempt.has(name)) continue
        expect(familyOf(name), `${where} reads ${name}, which GET /metrics does not expose`).toBeDefined()
      }
    }
  })

  it("matches, groups by and prints only labels those metrics have, and matches values they take", () => {
    for (const { expr, legend, where } of queries) {
      for (const [, name, matchers] of expr.matchAll(SELECTOR)) {
        const family = familyOf(name!)
        if (family === undefined) continue // the test above names it
        const own = labelsOf(family)
        for (const [, label, operator, value] of matchers!.matchAll(MATCHER)) {
          if (ADDED_LABELS.has(label!)) continue
          expect(own, `${where}: ${name} has no label ${label}`).toContain(label)
          if (operator === "=") {
            const known = valuesOf(family, label!).has(value!) || new RegExp(`\\b${escapeRegExp(value!)}\\b`).test(family.help)
            expect(known, `${where}: ${name}'s ${label} is never "${value}"`).toBe(true)
          }
        }
      }
      const kept = new Set<string>()
      for (const { labels, argument } of groupings(expr)) {
        const read = [...argument.matchAll(HERALD_NAME)].map(([name]) => name).filter((name) => !exempt.has(name))
        expect(read.length, `${where}: by (${labels.join(", ")}) over no herald_ metric`).toBeGreaterThan(0)
        for (const name of read) {
          const family = familyOf(name)
          if (family === undefined) continue
          for (const label of labels) {
            if (ADDED_LABELS.has(label) || (label === "le" && name.endsWith("_bucket"))) continue
            expect(labelsOf(family), `${where}: ${name} has no label ${label} to group by`).toContain(label)
          }
        }
        labels.forEach((label) => kept.add(label))
      }
      for (const [, label] of (legend ?? "").matchAll(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g)) {
        expect(kept, `${where}: legend prints ${label}, which the query does not keep`).toContain(label)
      }
    }
  })
})

const promtool = spawnSync("promtool", ["--version"], { encoding: "utf8" }).status === 0

describe("promtool", () => {
  it.skipIf(!promtool)(
    `accepts the rules, passes their unit tests (alerts.test.yml), and accepts the dashboard's queries as recording rules${
      promtool ? "" : " (skipped: no promtool on PATH; Debian's prometheus package has it)"
    }`,
    () => {
      const dir = mkdtempSync(join(tmpdir(), "herald-promtool-"))
      try {
        const operations = new URL("../../../docs/operations/", import.meta.url).pathname
        const checked = spawnSync("promtool", ["check", "rules", "alerts.yml"], { cwd: operations, encoding: "utf8" })
        expect(checked.status, checked.stdout + checked.stderr).toBe(0)
        const tested = spawnSync("promtool", ["test", "rules", "alerts.test.yml"], { cwd: operations, encoding: "utf8" })
        expect(tested.status, tested.stdout + tested.stderr).toBe(0)
        const recording = join(dir, "dashboard.rules.json")
        const dashboardRules = queries.filter(({ where }) => where.startsWith("dashboard panel")).map(({ expr }, i) => ({
          record: `herald:dashboard_query_${i}`,
          expr
        }))
        writeFileSync(recording, JSON.stringify({ groups: [{ name: "dashboard", rules: dashboardRules }] }))
        const queried = spawnSync("promtool", ["check", "rules", recording], { encoding: "utf8" })
        expect(queried.status, queried.stdout + queried.stderr).toBe(0)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }
  )
})
