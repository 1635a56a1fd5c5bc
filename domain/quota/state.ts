export interface QuotaState {
  /** undefined until the stream records one: the catalog's figure applies. */
  readonly capacity: number | undefined
  readonly holders: ReadonlySet<string>
}
export const emptyQuota: QuotaState = { capacity: undefined, holders: new Set() }
