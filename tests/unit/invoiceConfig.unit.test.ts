import { describe, expect, it } from "vitest"
import { checkConfiguration } from "../support/configCheck.ts"

describe("INVOICE_SELLER_* configuration", () => {
  // Three configuration checks, each a node process: slow on a loaded machine.
  it(
    "takes one printable line per detail and refuses a blank or multi-line one, naming the variable",
    { timeout: 180_000 },
    async () => {
      const [valid, blank, twoLines] = await Promise.all([
        checkConfiguration({
          INVOICE_SELLER_NAME: "PT Minis Pod Indonesia",
          INVOICE_SELLER_TAX_ID: "01.234.567.8-901.000"
        }),
        checkConfiguration({ INVOICE_SELLER_NAME: "   " }),
        checkConfiguration({ INVOICE_SELLER_ADDRESS: "Jl. Sudirman 1\nJakarta" })
      ])
      expect(valid).toEqual({ accepted: true, errors: "" })
      expect(blank.accepted).toBe(false)
      expect(blank.errors).toContain("INVOICE_SELLER_NAME")
      expect(twoLines.accepted).toBe(false)
      expect(twoLines.errors).toContain("INVOICE_SELLER_ADDRESS")
    }
  )
})
