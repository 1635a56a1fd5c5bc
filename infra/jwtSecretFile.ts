import { randomBytes } from "node:crypto"
import { chmod, readFile, stat, writeFile } from "node:fs/promises"

/**
 * The zero-setup JWT secret, kept beside the embedded database so sessions survive restarts:
 * created once (mode 600, readable only by its owner) and reused; a looser mode is tightened.
 */
export const persistedJwtSecret = async (
  file: string
): Promise<{ readonly secret: string; readonly created: boolean }> => {
  try {
    await writeFile(file, `${randomBytes(48).toString("base64url")}\n`, { flag: "wx", mode: 0o600 })
    return { secret: (await readFile(file, "utf8")).trim(), created: true }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
  }
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600)
  const secret = (await readFile(file, "utf8")).trim()
  if (secret.length < 32)
    throw new Error(`${file} holds no usable JWT secret (under 32 characters): delete it or set JWT_SECRET`)
  return { secret, created: false }
}
