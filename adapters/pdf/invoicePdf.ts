import { Effect, Layer } from "effect"
import { type BillingDocument, InvoicePdf, type SellerDetails } from "../../application/ports/invoices.ts"

const rupiahFormat = new Intl.NumberFormat("id-ID", { maximumFractionDigits: 0 })
/** `Rp 1.250.000`, `-Rp 10.000` (the Indonesian grouping). */
export const rupiah = (amount: number) => `${amount < 0 ? "-" : ""}Rp ${rupiahFormat.format(Math.abs(amount))}`

const day = (iso: string) => iso.slice(0, 10)

const left = 50
const width = 495
const columns = { description: left, quantity: 330, unitPrice: 370, amount: 455 } as const

/** The document as an A4 PDF (Helvetica, one of the 14 standard fonts: nothing to embed). */
const render = async (document: BillingDocument, seller: SellerDetails): Promise<Buffer> => {
  // Loaded on the first rendering: the server's start and the audit CLI do not pay for pdfkit.
  const { default: PDFDocument } = await import("pdfkit")
  return new Promise((resolve, reject) => {
    const invoice = document.series === "INV"
    const issued = new Date(document.issuedAt)
    const pdf = new PDFDocument({
      size: "A4",
      margin: left,
      // Fixed dates: the same document renders to the same bytes whenever it is downloaded.
      info: {
        Title: `${invoice ? "Invoice" : "Credit note"} ${document.number}`,
        Author: seller.name,
        CreationDate: issued,
        ModDate: issued
      }
    })
    const chunks: Array<Buffer> = []
    pdf.on("data", (chunk: Buffer) => chunks.push(chunk))
    pdf.on("end", () => resolve(Buffer.concat(chunks)))
    pdf.on("error", reject)

    pdf
      .font("Helvetica-Bold")
      .fontSize(20)
      .text(invoice ? "INVOICE" : "CREDIT NOTE", left, 50)
    pdf
      .font("Helvetica")
      .fontSize(10)
      .text(`Number: ${document.number}`)
      .text(`Issued: ${day(document.issuedAt)}`)
    if (document.correctsNumber !== null) pdf.text(`Corrects invoice: ${document.correctsNumber}`)
    if (document.transactionId !== null) pdf.text(`Transaction: ${document.transactionId}`)

    const partiesTop = 150
    pdf.font("Helvetica-Bold").text("From", left, partiesTop)
    pdf
      .font("Helvetica")
      .text(seller.name)
      .text(seller.address)
      .text(seller.email)
      .text(`Tax ID (NPWP): ${seller.taxId}`)
    pdf.font("Helvetica-Bold").text(invoice ? "Bill to" : "Credit to", 320, partiesTop)
    pdf.font("Helvetica")
    for (const line of [
      document.buyer.name,
      document.buyer.email,
      document.buyer.phone,
      `Customer ID: ${document.userId}`
    ]) {
      if (line !== null) pdf.text(line, 320)
    }

    let y = 260
    if (document.plan !== null) {
      pdf.text(
        `Service: ${[document.plan.serviceName, document.plan.name].filter((s) => s !== null).join(" - ")}`,
        left,
        y
      )
      y += 20
    }
    const row = (cells: { description: string; quantity: string; unitPrice: string; amount: string }) => {
      const height = pdf.heightOfString(cells.description, { width: columns.quantity - left - 10 })
      pdf.text(cells.description, columns.description, y, { width: columns.quantity - left - 10 })
      pdf.text(cells.quantity, columns.quantity, y, { width: 30, align: "right" })
      pdf.text(cells.unitPrice, columns.unitPrice, y, { width: 80, align: "right" })
      pdf.text(cells.amount, columns.amount, y, { width: left + width - columns.amount, align: "right" })
      y += Math.max(height, 12) + 6
    }
    pdf.font("Helvetica-Bold")
    row({ description: "Description", quantity: "Qty", unitPrice: "Unit price", amount: "Amount" })
    pdf
      .moveTo(left, y - 3)
      .lineTo(left + width, y - 3)
      .stroke()
    pdf.font("Helvetica")
    for (const line of document.lines) {
      row({
        description: line.description,
        quantity: String(line.quantity),
        unitPrice: rupiah(line.unitPrice),
        amount: rupiah(line.amount)
      })
    }
    pdf
      .moveTo(left, y - 3)
      .lineTo(left + width, y - 3)
      .stroke()
    const total = (label: string, amount: number) => {
      pdf.text(label, columns.unitPrice - 60, y, { width: 140, align: "right" })
      pdf.text(rupiah(amount), columns.amount, y, { width: left + width - columns.amount, align: "right" })
      y += 18
    }
    total("Subtotal", document.subtotal)
    total("Discount", -document.discount)
    pdf.font("Helvetica-Bold")
    total(invoice ? "Total (IDR)" : "Total credited (IDR)", document.total)
    pdf
      .font("Helvetica")
      .fontSize(9)
      .text(
        invoice
          ? document.total === 0
            ? "Granted at no charge: nothing is due."
            : "Paid from prepaid MinisPod credit: nothing is due."
          : "Credited to the customer's prepaid MinisPod wallet.",
        left,
        y + 20,
        { width }
      )
    pdf.end()
  })
}

export const InvoicePdfKit = Layer.succeed(
  InvoicePdf,
  InvoicePdf.of({
    render: (document, seller) => Effect.promise(() => render(document, seller))
  })
)
