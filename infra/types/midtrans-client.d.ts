declare module "midtrans-client" {
  interface ApiConfig {
    getCoreApiBaseUrl(): string
    getSnapApiBaseUrl(): string
  }
  interface HttpClient {
    http_client: { defaults: { timeout?: number; headers: { common: Record<string, string> } } }
  }
  interface Options {
    isProduction: boolean
    serverKey: string
    clientKey: string
  }
  class Snap {
    constructor(options: Options)
    apiConfig: ApiConfig
    httpClient: HttpClient
    createTransaction(parameter: object): Promise<{ token: string; redirect_url: string }>
  }
  class CoreApi {
    constructor(options: Options)
    apiConfig: ApiConfig
    httpClient: HttpClient
    transaction: {
      status(orderId: string): Promise<Record<string, unknown>>
      cancel(orderId: string): Promise<Record<string, unknown>>
    }
  }
  class MidtransError extends Error {
    httpStatusCode: number | null
    ApiResponse: unknown
  }
  const midtransClient: { Snap: typeof Snap; CoreApi: typeof CoreApi; MidtransError: typeof MidtransError }
  export default midtransClient
}
