/**
 * npx tsx bench/profileSummary.ts <file.cpuprofile> <ops> — where a profiled bench phase spent
 * its main-thread CPU: self time grouped by origin, and the top frames, in µs per operation.
 */
import { readFileSync } from "node:fs"

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: Array<number>
}
interface Profile {
  nodes: Array<Node>
  samples: Array<number>
  timeDeltas: Array<number>
  startTime: number
  endTime: number
}

const [file, opsArg] = process.argv.slice(2)
if (!file || !opsArg) throw new Error("usage: profileSummary.ts <file.cpuprofile> <ops>")
const ops = Number(opsArg)
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
// The profiler's own work (stopping and serialising the profile) is not the bench's.
const profilerOwn = new Set<number>()
const markOwn = (n: Node) => {
  profilerOwn.add(n.id)
  for (const c of n.children ?? []) markOwn(byId.get(c)!)
}
for (const n of profile.nodes) if (n.callFrame.url === "node:inspector") markOwn(n)
const self = new Map<number, number>()
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))

const origin = (n: Node): string => {
  const { functionName, url } = n.callFrame
  if (functionName === "(garbage collector)") return "garbage collection"
  if (functionName === "(idle)") return "idle"
  if (functionName === "(program)") return "program (native, unattributed)"
  if (url.includes("/node_modules/postgres/")) return "postgres.js"
  if (url.includes("/node_modules/effect/")) return "effect runtime"
  if (url.includes("/node_modules/")) return `other package (${url.split("/node_modules/")[1]!.split("/")[0]})`
  if (url.startsWith("node:") || url === "")
    return functionName === "writeBuffer" || functionName === "writev"
      ? "socket writes (native)"
      : "node internals / native"
  return "MinisPod"
}

const wall = profile.endTime - profile.startTime
const groups = new Map<string, number>()
const frames = new Map<string, number>()
let busy = 0
for (const [id, us] of self) {
  if (profilerOwn.has(id)) continue
  const n = byId.get(id)!
  const o = origin(n)
  groups.set(o, (groups.get(o) ?? 0) + us)
  if (o !== "idle") busy += us
  const where = n.callFrame.url.replace(/^.*\/(node_modules\/[^/]+|wt\/[^/]+)\//, "$1/")
  const key = `${n.callFrame.functionName || "(anonymous)"} ${where}:${n.callFrame.lineNumber + 1}`
  frames.set(key, (frames.get(key) ?? 0) + us)
}
const line = (label: string, us: number) =>
  `| ${label} | ${(us / ops).toFixed(0)} | ${((100 * us) / busy).toFixed(0)} % |`
console.log(
  `${file}: ${ops} ops, wall ${(wall / 1e6).toFixed(2)} s, busy ${(busy / 1e6).toFixed(2)} s = ${(busy / ops).toFixed(0)} µs/op main-thread CPU`
)
console.log("\n| where | µs per op | share of busy |\n| --- | --- | --- |")
for (const [g, us] of [...groups].filter(([g]) => g !== "idle").sort((a, b) => b[1] - a[1])) console.log(line(g, us))
console.log("\n| top frames (self) | µs per op | share |\n| --- | --- | --- |")
for (const [f, us] of [...frames]
  .filter(([f]) => !f.startsWith("(idle)"))
  .sort((a, b) => b[1] - a[1])
  .slice(0, 25))
  console.log(line(f.replaceAll("|", "\\|"), us))
