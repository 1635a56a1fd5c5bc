import type Koa from "koa"

/**
 * In-flight requests (and work a deadline gave up waiting for), so shutdown can wait for them
 * even when their connection is gone.
 */
export const makeInFlight = () => {
  let inFlight = 0
  let onDrained: (() => void) | undefined
  const track = (work: Promise<unknown>) => {
    inFlight++
    const done = () => {
      inFlight--
      if (inFlight === 0) onDrained?.()
    }
    work.then(done, done)
    return work
  }
  const middleware: Koa.Middleware = (_ctx, next) => track(next())
  const drained = () =>
    inFlight === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          onDrained = resolve
        })
  return { track, middleware, drained }
}
