import { dictionary } from "@zxcvbn-ts/language-common"
import { Effect, Layer } from "effect"
import { CommonPasswords } from "../../application/ports/commonPasswords.ts"

/** zxcvbn-ts' common-password dictionary (lower-case entries), loaded once. */
export const CommonPasswordsZxcvbn = Layer.sync(CommonPasswords, () => {
  const list = new Set(dictionary["passwords-common"])
  return CommonPasswords.of({
    isCommon: (password) => Effect.succeed(list.has(password.normalize("NFKC").toLowerCase()))
  })
})
