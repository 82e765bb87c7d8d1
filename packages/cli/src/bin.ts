#!/usr/bin/env node
/**
 * The `herald` executable: `Main.main` on this process's command line, over
 * Node's file system and terminal and the platform's fetch client, exiting with
 * the code it answers. A defect (a bug, not a refusal) is reported by the
 * runtime with its trace.
 */
import { FetchHttpClient } from "@effect/platform"
// By module, not from the index, which loads every Node integration (cluster, sql, ...): half a second at each start.
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer } from "effect"
import { main } from "./Main.js"

main(process.argv).pipe(
  Effect.flatMap((code) => Effect.sync(() => void (process.exitCode = code))),
  Effect.provide(Layer.merge(NodeContext.layer, FetchHttpClient.layer)),
  NodeRuntime.runMain
)
