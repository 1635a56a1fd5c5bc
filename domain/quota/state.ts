/**
 * A plan's capacity and how many slots are held. Which subscription holds a slot is the
 * subscription aggregate's business (it takes and releases its slot in the same transaction as
 * its own transition), so the quota is a counter and its snapshot stays tiny on a hot stream.
 */
export interface QuotaState {
  /** undefined until the stream records one: the catalog's figure applies. */
  readonly capacity: number | undefined
  readonly used: number
}
export const emptyQuota: QuotaState = { capacity: undefined, used: 0 }
