import { connect, createServer, type Server, type Socket } from "node:net"

/**
 * A TCP proxy in front of Postgres that a test can take down (the database "crashes"), bring
 * back, or freeze: connections stay open but nothing passes until it thaws, as when Postgres is
 * paused (SIGSTOP) or the network drops packets silently — no error ever reaches the client.
 */
export const databaseProxy = (target: URL) => {
  const sockets = new Set<Socket>()
  let listener: Server | undefined
  let port = 0
  let held: Array<() => void> | undefined
  const forward = (from: Socket, to: Socket) =>
    from.on("data", (chunk: Buffer) => (held === undefined ? to.write(chunk) : held.push(() => to.write(chunk))))
  const up = () =>
    new Promise<void>((resolve) => {
      listener = createServer((client) => {
        const upstream = connect(Number(target.port || 5432), target.hostname)
        for (const s of [client, upstream]) {
          sockets.add(s)
          s.on("close", () => {
            sockets.delete(s)
            client.destroy()
            upstream.destroy()
          })
          s.on("error", () => undefined)
        }
        forward(client, upstream)
        forward(upstream, client)
      })
      listener.listen(port, "127.0.0.1", () => {
        port = (listener!.address() as { port: number }).port
        resolve()
      })
    })
  const down = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy()
      listener!.close(() => resolve())
    })
  const freeze = () => {
    held ??= []
  }
  /** Delivers what was held, in order, and lets traffic through again. */
  const thaw = () => {
    const queued = held ?? []
    held = undefined
    for (const write of queued) write()
  }
  /** The database's URL through this proxy. */
  const url = () => {
    const via = new URL(target)
    via.host = `127.0.0.1:${port}`
    return via.toString()
  }
  return { up, down, freeze, thaw, url }
}
