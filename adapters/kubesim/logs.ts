import type { Obj } from "./store.ts"

const green = (s: string) => `\u001b[32m${s}\u001b[0m`
const cyan = (s: string) => `\u001b[36m${s}\u001b[0m`
const yellow = (s: string) => `\u001b[33m${s}\u001b[0m`

/** Start-up lines and the lines repeated while running, per kind of app (from the image name). */
const scripts: Array<{
  readonly match: RegExp
  readonly startup: ReadonlyArray<string>
  readonly running: ReadonlyArray<string>
}> = [
  {
    match: /n8n/,
    startup: [
      "Initializing n8n process",
      `n8n ready on ${green("0.0.0.0")}, port 5678`,
      "Version: 1.70.0",
      "",
      "Editor is now accessible via:",
      "http://localhost:5678"
    ],
    running: [
      `${green("info")} Pruning old executions`,
      `${cyan("debug")} Workflow "Daily digest" triggered by schedule`,
      `${green("info")} Execution 42 finished successfully`,
      `${yellow("warn")} Webhook took 812ms to respond`
    ]
  },
  {
    match: /ghost/,
    startup: [
      `[${green("INFO")}] Ghost is running in production...`,
      `[${green("INFO")}] Your site is now available on http://localhost:2368/`,
      `[${green("INFO")}] Ghost server started in 1.284s`
    ],
    running: [
      `[${green("INFO")}] "GET /" 200 14ms`,
      `[${green("INFO")}] "GET /ghost/api/admin/site/" 200 6ms`,
      `[${yellow("WARN")}] Email service is not configured`
    ]
  },
  {
    match: /wordpress/,
    startup: [
      "WordPress not found in /var/www/html - copying now...",
      "Complete! WordPress has been successfully copied to /var/www/html",
      "AH00558: apache2: Could not reliably determine the server's fully qualified domain name",
      `[mpm_prefork:${green("notice")}] Apache/2.4.62 (Debian) PHP/8.2.26 configured -- resuming normal operations`
    ],
    running: [
      '10.244.0.1 - - "GET / HTTP/1.1" 200 5432',
      '10.244.0.1 - - "GET /wp-login.php HTTP/1.1" 200 2210',
      `[php:${yellow("warn")}] slow request: /wp-admin/admin-ajax.php`
    ]
  },
  {
    match: /postgres/,
    startup: [
      "PostgreSQL init process complete; ready for start up.",
      `LOG:  starting PostgreSQL 16.6 on x86_64-pc-linux-gnu`,
      `LOG:  listening on IPv4 address "0.0.0.0", port 5432`,
      `LOG:  database system is ready to accept connections`
    ],
    running: [
      `LOG:  checkpoint starting: time`,
      `LOG:  checkpoint complete: wrote 12 buffers (0.1%)`,
      `${yellow("WARNING")}:  there is no transaction in progress`
    ]
  },
  {
    match: /mariadb|mysql/,
    startup: [
      "[Note] [Entrypoint]: Entrypoint script for MariaDB Server started.",
      "[Note] InnoDB: Buffer pool(s) load completed",
      `[Note] mariadbd: ready for connections. Version: '11.4.4-MariaDB' port: 3306`
    ],
    running: [
      "[Note] InnoDB: Checkpoint age 1.2MiB",
      `[${yellow("Warning")}] Aborted connection 17 to db: 'app' (Got an error reading communication packets)`
    ]
  }
]

const generic = {
  startup: [`${green("INFO")}  starting`, `${green("INFO")}  server listening on 0.0.0.0`],
  running: [
    `${green("INFO")}  request GET / 200 3ms`,
    `${cyan("DEBUG")} health check ok`,
    `${yellow("WARN")}  slow request took 250ms`
  ]
}

/**
 * Pod (template) annotations making a chatty app, for benches and backpressure tests: a running
 * line every `log-interval-ms` (fractions allowed), each padded to `log-line-bytes`.
 */
export const logIntervalAnnotation = "sim.minispod.dev/log-interval-ms"
export const logLineBytesAnnotation = "sim.minispod.dev/log-line-bytes"

const positiveAnnotation = (pod: Obj, key: string) => {
  const given = Number(pod["metadata"]?.annotations?.[key])
  return Number.isFinite(given) && given > 0 ? given : undefined
}

export interface LogLine {
  readonly at: number
  readonly text: string
}

/**
 * The log of one container: its start-up lines at the container's start, then one running line
 * every `intervalMs`, deterministic, so a restarted server shows the same history.
 */
export const containerLog = (pod: Obj, container: Obj, defaultIntervalMs: number) => {
  const image = String(container["image"] ?? "")
  const found = scripts.find((s) => s.match.test(image)) ?? generic
  const intervalMs = Math.max(0.01, positiveAnnotation(pod, logIntervalAnnotation) ?? defaultIntervalMs)
  const lineBytes = Math.min(65_536, Math.floor(positiveAnnotation(pod, logLineBytesAnnotation) ?? 0))
  const script =
    lineBytes === 0 ? found : { ...found, running: found.running.map((line) => `${line} `.padEnd(lineBytes, ".")) }
  const startedAt = Date.parse(
    pod["status"]?.containerStatuses?.find((c: Obj) => c["name"] === container["name"])?.state?.running?.startedAt ??
      pod["metadata"].creationTimestamp
  )
  const lineAt = (i: number): LogLine =>
    i < script.startup.length
      ? { at: startedAt + i, text: script.startup[i]! }
      : {
          at: startedAt + (i - script.startup.length + 1) * intervalMs,
          text: script.running[(i - script.startup.length) % script.running.length]!
        }
  /** Number of lines written by `now`. */
  const countAt = (now: number) =>
    now < startedAt ? 0 : script.startup.length + Math.floor((now - startedAt) / intervalMs)
  return { lineAt, countAt }
}

export const formatLine = (line: LogLine, timestamps: boolean) =>
  `${timestamps ? `${new Date(line.at).toISOString().replace("Z", "000000Z")} ` : ""}${line.text}\n`
