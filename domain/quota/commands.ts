export type QuotaCommand =
  | { readonly _tag: "TakeSlot"; readonly subscriptionId: string; readonly catalogCapacity: number }
  | { readonly _tag: "ReleaseSlot"; readonly subscriptionId: string }
  | { readonly _tag: "SetCapacity"; readonly capacity: number; readonly by: string }
