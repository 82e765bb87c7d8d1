export * as UndiciTransport from "./UndiciTransport.js"
