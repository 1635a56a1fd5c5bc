/** Kubernetes resource quantities ("500m", "1.5", "512Mi", "1G", "250000000n") as numbers of base units. */
const suffixes: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60
}

export const parseQuantity = (q: unknown): number => {
  if (typeof q === "number") return q
  const m = /^([+-]?\d+(?:\.\d+)?)(?:[eE]([+-]?\d+))?([a-zA-Z]*)$/.exec(String(q ?? "").trim())
  if (!m) return Number.NaN
  const factor = suffixes[m[3]!]
  if (factor === undefined) return Number.NaN
  return Number(m[1]) * 10 ** Number(m[2] ?? 0) * factor
}

/** Bytes as a quantity in Ki (how metrics-server reports memory). */
export const kibibytes = (bytes: number) => `${Math.round(bytes / 1024)}Ki`

/** CPU in nanocores (how metrics-server reports usage). */
export const nanocores = (cores: number) => `${Math.round(cores * 1e9)}n`
