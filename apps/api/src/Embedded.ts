/**
 * The embedded default: every port in memory, deliveries over undici, API and
 * worker in one process. For trying Herald and for tests; data is lost on exit.
 */
import * as Memory from "@herald/memory"
import * as Undici from "@herald/undici"
import { Herald } from "@herald/core"
import { Layer } from "effect"
import * as ApiKeySeed from "./ApiKeySeed.js"
import type { HeraldConfig } from "./Config.js"
import * as HttpServer from "./HttpServer.js"

export type Options = Pick<HeraldConfig, "port" | "host" | "apiKeys"> & Herald.Settings

export const layer = (options: Options) => {
  const settings = Herald.settingsLayer(options)
  const ports = Layer.merge(Memory.MemoryLayer.layer, Undici.UndiciTransport.layer()).pipe(Layer.provide(settings))
  const services = Herald.servicesLayer.pipe(Layer.provideMerge(ports), Layer.provideMerge(settings))
  return Layer.merge(HttpServer.layer({ port: options.port, host: options.host }), Herald.workerLayer).pipe(
    Layer.provideMerge(ApiKeySeed.layer(options.apiKeys)),
    Layer.provideMerge(services)
  )
}
