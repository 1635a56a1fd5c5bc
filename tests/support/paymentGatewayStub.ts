import { Effect, Layer } from "effect"
import { PaymentGateway } from "../../application/ports/paymentGateway.ts"

/** For application tests only: Snap always answers, the status API knows nothing. */
export const PaymentGatewayStub = Layer.succeed(
  PaymentGateway,
  PaymentGateway.of({
    createSnap: (r) => Effect.succeed({ token: `tok-${r.orderId}`, redirectUrl: `https://stub/pay/${r.orderId}` }),
    status: () => Effect.succeed(undefined),
    cancel: () => Effect.void,
    verifySignature: () => Effect.succeed(true)
  })
)
