import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs"

/** A PDF parsed by Mozilla's PDF.js: its page count, info and text (one line per text item). */
export const parsePdf = async (bytes: Uint8Array) => {
  const document = await getDocument({ data: new Uint8Array(bytes), isEvalSupported: false, verbosity: 0 }).promise
  const lines: Array<string> = []
  for (let n = 1; n <= document.numPages; n++) {
    const content = await (await document.getPage(n)).getTextContent()
    for (const item of content.items) if ("str" in item && item.str.trim() !== "") lines.push(item.str)
  }
  const { info } = await document.getMetadata()
  const pages = document.numPages
  await document.destroy()
  return { pages, info: info as Record<string, unknown>, lines, text: lines.join("\n") }
}
