import { execSync } from "node:child_process"
import { appendFile } from "node:fs/promises"

const commit = () => {
  try {
    return execSync("git rev-parse --short HEAD", { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()
  } catch {
    return "unknown"
  }
}

/** Appends one bench's figures to bench/RESULTS.md with the date and commit, so progress shows over time. */
export const appendResult = (bench: string, figures: string) =>
  appendFile(
    new URL("./RESULTS.md", import.meta.url),
    `- ${new Date().toISOString().slice(0, 16)}Z ${commit()} ${bench} — ${figures}\n`
  )
