import { createHash, timingSafeEqual } from "node:crypto"

/** Midtrans notification signature: hex SHA512(order_id + status_code + gross_amount + server_key). */
export const midtransSignature = (orderId: string, statusCode: string, grossAmount: string, serverKey: string) =>
  createHash("sha512")
    .update(orderId + statusCode + grossAmount + serverKey)
    .digest("hex")

export const signatureMatches = (expected: string, given: string) => {
  const a = Buffer.from(expected, "utf8")
  const b = Buffer.from(given, "utf8")
  return a.length === b.length && timingSafeEqual(a, b)
}
