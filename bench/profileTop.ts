import { readFileSync } from "node:fs"

/**
 * `tsx bench/profileTop.ts <file.cpuprofile> [operations]`: the top self-time frames of a
 * `node --cpu-prof` profile, and the same grouped by where the code lives, in µs per operation
 * when the number of operations (events, requests…) is given. Used for bench/README.md.
 */
interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount: number
}
const [file, opsArg] = process.argv.slice(2)
if (file === undefined) {
  process.stderr.write("usage: tsx bench/profileTop.ts <file.cpuprofile> [operations]\n")
  process.exit(2)
}
const profile = JSON.parse(readFileSync(file, "utf8")) as {
  nodes: Array<Node>
  samples: Array<number>
  timeDeltas: Array<number>
}
const ops = opsArg === undefined ? undefined : Number(opsArg)
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const self = new Map<number, number>()
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))
const total = [...self.values()].reduce((a, b) => a + b, 0)

const place = (url: string, name: string) =>
  name === "(garbage collector)"
    ? "garbage collection"
    : name === "(idle)" || name === "(program)"
      ? name
      : url.includes("node_modules/postgres/")
        ? "postgres.js"
        : url.includes("node_modules/effect/")
          ? "effect"
          : url.includes("node_modules/")
            ? "other packages"
            : url.startsWith("node:") || url === ""
              ? "node internals / native"
              : url.replace(/^.*\/(application|adapters|domain|infra|bench)\//, "$1/")
const frames = new Map<string, number>()
const places = new Map<string, number>()
for (const [id, us] of self) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame
  const where = place(url, functionName)
  const key = `${functionName || "(anonymous)"} ${url ? `${url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*?\/(application|adapters|domain|infra|bench)\//, "$1/")}:${lineNumber + 1}` : ""}`
  frames.set(key, (frames.get(key) ?? 0) + us)
  const group = where.includes("/") && !where.startsWith("node") ? "MinisPod code" : where
  places.set(group, (places.get(group) ?? 0) + us)
}
const show = (us: number) =>
  `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %${ops ? `${(us / ops).toFixed(2).padStart(8)} µs/op` : ""}`
process.stdout.write(
  `total sampled ${(total / 1000).toFixed(0)} ms${ops ? `, ${(total / ops).toFixed(2)} µs per operation over ${ops}` : ""}\n\nby place:\n`
)
for (const [k, us] of [...places].sort((a, b) => b[1] - a[1])) process.stdout.write(`${show(us)}  ${k}\n`)
process.stdout.write("\ntop self-time frames:\n")
for (const [k, us] of [...frames].sort((a, b) => b[1] - a[1]).slice(0, 25)) process.stdout.write(`${show(us)}  ${k}\n`)
