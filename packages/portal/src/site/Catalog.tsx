/**
 * The event catalog: every event type the customer can subscribe to, with its
 * description, an example payload and its JSON schema.
 */
import type { Ctx } from "./Context.js"
import { Heading } from "./Ui.js"

const json = (value: object) => JSON.stringify(value, null, 2)

/** The catalog view. */
export const Catalog = (props: { readonly ctx: Ctx }) => {
  const { catalog } = props.ctx
  return (
    <section aria-labelledby="catalog-title">
      <Heading id="catalog-title">Event catalog</Heading>
      {catalog === undefined
        ? <p aria-busy="true">Loading the catalog…</p>
        : catalog === null
        ? <p>The event catalog is not available.</p>
        : catalog.length === 0
        ? <p class="empty">No event types are listed.</p>
        : (
          <ul class="cards">
            {catalog.map((type) => (
              <li key={type.name} class="card">
                <h2 class="mono event-name">{type.name}</h2>
                {type.description === "" ? null : <p>{type.description}</p>}
                {type.example === null ? null : (
                  <details>
                    <summary>Example payload<span class="visually-hidden"> of {type.name}</span></summary>
                    <pre class="code" tabIndex={0}>{json(type.example)}</pre>
                  </details>
                )}
                {type.schema === null ? null : (
                  <details>
                    <summary>Schema<span class="visually-hidden"> of {type.name}</span></summary>
                    <pre class="code" tabIndex={0}>{json(type.schema)}</pre>
                  </details>
                )}
              </li>
            ))}
          </ul>
        )}
    </section>
  )
}
