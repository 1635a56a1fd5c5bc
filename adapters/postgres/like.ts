/** `%text%` for LIKE/ILIKE with the user's own `%`, `_` and `\` matched literally (backslash is LIKE's default escape). */
export const containsPattern = (text: string) => `%${text.replace(/[\\%_]/g, "\\$&")}%`
