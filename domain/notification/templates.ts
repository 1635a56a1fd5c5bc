import type { Locale, NotificationContent, NotificationKind } from "./content.ts"

/** A rendered notification: the in-app title and message, and the email's subject, text and HTML. */
export interface RenderedNotification {
  readonly subject: string
  /** The message without the email's link line and footer: what the in-app inbox shows. */
  readonly message: string
  readonly text: string
  readonly html: string
}

/** Links the templates need that only the composition knows (the instances' public address). */
export interface RenderLinks {
  readonly instanceUrl: (instanceName: string, subscriptionId: string) => string
  /** Where the user tops up (the API's wallet); shown as a plain address. */
  readonly appUrl: string
}

const rupiah = new Intl.NumberFormat("id-ID", { style: "currency", currency: "IDR", maximumFractionDigits: 0 })

/** Rupiah the Indonesian way (Rp 1.250.000) in both languages: it is the currency's own notation. */
export const formatRupiah = (amount: number): string => rupiah.format(amount)

const dateFormats: Record<Locale, Intl.DateTimeFormat> = {
  id: new Intl.DateTimeFormat("id-ID", { dateStyle: "long", timeStyle: "short", timeZone: "Asia/Jakarta" }),
  en: new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeStyle: "short", timeZone: "Asia/Jakarta" })
}

/** Dates in Western Indonesian Time, where MinisPod's customers are. */
export const formatInstant = (iso: string, locale: Locale): string => `${dateFormats[locale].format(new Date(iso))} WIB`

export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!)

/**
 * Every interpolated value goes through `v` (or `money`/`date`, which use it): identity for the
 * plain-text rendering, HTML escaping for the HTML one. Templates never concatenate raw values.
 */
interface Fmt {
  readonly v: (s: string | number) => string
  readonly money: (n: number) => string
  readonly date: (iso: string) => string
}

interface Draft {
  readonly subject: string
  readonly paragraphs: ReadonlyArray<string>
  readonly action?: { readonly label: string; readonly url: string }
}

type Template<K extends NotificationKind> = (
  c: Extract<NotificationContent, { _tag: K }>,
  f: Fmt,
  links: RenderLinks
) => Draft

type Templates = { readonly [K in NotificationKind]: Template<K> }

const id: Templates = {
  welcome: (c, f, l) => ({
    subject: "Selamat datang di MinisPod",
    paragraphs: [
      `Halo ${f.v(c.name)},`,
      "Akun MinisPod Anda sudah aktif. Isi saldo, lalu pilih aplikasi yang ingin Anda jalankan — kami yang mengurus servernya."
    ],
    action: { label: "Buka MinisPod", url: l.appUrl }
  }),
  topup_settled: (c, f) => ({
    subject: `Isi saldo ${formatRupiah(c.amount)} berhasil`,
    paragraphs: [`Pembayaran ${f.v(c.transactionId)} sudah kami terima: ${f.money(c.amount)} masuk ke saldo Anda.`]
  }),
  subscription_created: (c, f) => ({
    subject: `Langganan ${c.serviceName} dibuat`,
    paragraphs: [
      `Langganan ${f.v(c.serviceName)} (paket ${f.v(c.planName)}) untuk instans ${f.v(c.instanceName)} sudah dibuat.`,
      `Dibayar: ${f.money(c.charged)}. Periode berjalan sampai ${f.date(c.periodEnd)}.`,
      "Kami sedang menyiapkan instans Anda dan akan mengabari saat siap."
    ]
  }),
  service_ready: (c, f, l) => ({
    subject: `${c.serviceName} Anda sudah siap`,
    paragraphs: [
      `Instans ${f.v(c.instanceName)} (${f.v(c.serviceName)}) sudah berjalan di ${f.v(l.instanceUrl(c.instanceName, c.subscriptionId))}.`
    ],
    action: { label: "Buka aplikasi", url: l.instanceUrl(c.instanceName, c.subscriptionId) }
  }),
  renewal_succeeded: (c, f) => ({
    subject: `Langganan ${c.serviceName} diperpanjang`,
    paragraphs: [
      `Langganan ${f.v(c.serviceName)} untuk ${f.v(c.instanceName)} diperpanjang otomatis.`,
      `Dibayar: ${f.money(c.charged)}. Periode berikutnya berakhir ${f.date(c.periodEnd)}.`
    ]
  }),
  low_credit: (c, f, l) => ({
    subject: `Saldo tidak cukup untuk perpanjangan ${c.serviceName}`,
    paragraphs: [
      `Langganan ${f.v(c.serviceName)} untuk ${f.v(c.instanceName)} akan diperpanjang pada ${f.date(c.renewalAt)} seharga ${f.money(c.amountDue)}.`,
      `Saldo Anda ${f.money(c.balance)} tidak cukup. Isi saldo sebelum tanggal itu agar layanan tidak terganggu.`
    ],
    action: { label: "Isi saldo", url: l.appUrl }
  }),
  grace_started: (c, f, l) => ({
    subject: `Perpanjangan ${c.serviceName} gagal: masa tenggang dimulai`,
    paragraphs: [
      `Saldo Anda tidak cukup untuk memperpanjang ${f.v(c.serviceName)} (${f.v(c.instanceName)}) seharga ${f.money(c.amountDue)}.`,
      `Aplikasi tetap berjalan sampai ${f.date(c.graceEndsAt)}. Isi saldo sebelum itu dan langganan langsung diperpanjang; setelahnya layanan dihentikan sementara.`
    ],
    action: { label: "Isi saldo", url: l.appUrl }
  }),
  grace_reminder: (c, f, l) => ({
    subject: `Pengingat: ${c.serviceName} akan dihentikan dalam ${c.daysLeft} hari`,
    paragraphs: [
      `Langganan ${f.v(c.serviceName)} (${f.v(c.instanceName)}) masih menunggu pembayaran ${f.money(c.amountDue)}.`,
      `Masa tenggang berakhir ${f.date(c.graceEndsAt)} (${f.v(c.daysLeft)} hari lagi). Isi saldo agar layanan tidak dihentikan.`
    ],
    action: { label: "Isi saldo", url: l.appUrl }
  }),
  suspended: (c, f) => ({
    subject: `${c.serviceName} dihentikan sementara`,
    paragraphs: [
      `Masa tenggang ${f.v(c.serviceName)} (${f.v(c.instanceName)}) sudah berakhir tanpa pembayaran, jadi instans dihentikan sementara. Data Anda tetap disimpan.`,
      c.retentionEndsAt === null
        ? "Aktifkan kembali kapan saja dengan saldo yang cukup."
        : `Aktifkan kembali sebelum ${f.date(c.retentionEndsAt)}; setelah itu instans dan datanya dihapus.`
    ]
  }),
  expiring: (c, f) => ({
    subject: `Langganan ${c.serviceName} segera berakhir`,
    paragraphs: [
      `Perpanjangan otomatis ${f.v(c.serviceName)} (${f.v(c.instanceName)}) tidak aktif, jadi langganan berakhir pada ${f.date(c.periodEnd)} dan instans serta datanya dihapus.`,
      "Aktifkan perpanjangan otomatis bila Anda ingin tetap memakainya."
    ]
  }),
  expired: (c, f) => ({
    subject: `Langganan ${c.serviceName} telah berakhir`,
    paragraphs: [
      `Langganan ${f.v(c.serviceName)} (${f.v(c.instanceName)}) telah berakhir dan sumber dayanya dihapus. Terima kasih telah memakai MinisPod.`
    ]
  }),
  provisioning_failed: (c, f) => ({
    subject: `${c.serviceName} gagal disiapkan — dana dikembalikan`,
    paragraphs: [
      `Maaf, instans ${f.v(c.instanceName)} (${f.v(c.serviceName)}) gagal disiapkan.`,
      `${f.money(c.refunded)} sudah dikembalikan ke saldo Anda. Anda dapat mencoba lagi kapan saja.`
    ]
  })
}

const en: Templates = {
  welcome: (c, f, l) => ({
    subject: "Welcome to MinisPod",
    paragraphs: [
      `Hello ${f.v(c.name)},`,
      "Your MinisPod account is ready. Top up your credit, then pick the app you want to run — we look after the servers."
    ],
    action: { label: "Open MinisPod", url: l.appUrl }
  }),
  topup_settled: (c, f) => ({
    subject: `Top-up of ${formatRupiah(c.amount)} received`,
    paragraphs: [`We received payment ${f.v(c.transactionId)}: ${f.money(c.amount)} was added to your credit.`]
  }),
  subscription_created: (c, f) => ({
    subject: `Your ${c.serviceName} subscription was created`,
    paragraphs: [
      `Your ${f.v(c.serviceName)} subscription (${f.v(c.planName)} plan) for the instance ${f.v(c.instanceName)} was created.`,
      `Paid: ${f.money(c.charged)}. The period runs until ${f.date(c.periodEnd)}.`,
      "We are setting up your instance and will tell you when it is ready."
    ]
  }),
  service_ready: (c, f, l) => ({
    subject: `Your ${c.serviceName} is ready`,
    paragraphs: [
      `The instance ${f.v(c.instanceName)} (${f.v(c.serviceName)}) is running at ${f.v(l.instanceUrl(c.instanceName, c.subscriptionId))}.`
    ],
    action: { label: "Open the app", url: l.instanceUrl(c.instanceName, c.subscriptionId) }
  }),
  renewal_succeeded: (c, f) => ({
    subject: `Your ${c.serviceName} subscription was renewed`,
    paragraphs: [
      `Your ${f.v(c.serviceName)} subscription for ${f.v(c.instanceName)} renewed automatically.`,
      `Paid: ${f.money(c.charged)}. The next period ends ${f.date(c.periodEnd)}.`
    ]
  }),
  low_credit: (c, f, l) => ({
    subject: `Not enough credit to renew ${c.serviceName}`,
    paragraphs: [
      `Your ${f.v(c.serviceName)} subscription for ${f.v(c.instanceName)} renews on ${f.date(c.renewalAt)} for ${f.money(c.amountDue)}.`,
      `Your credit of ${f.money(c.balance)} will not cover it. Top up before then to keep the service running without interruption.`
    ],
    action: { label: "Top up", url: l.appUrl }
  }),
  grace_started: (c, f, l) => ({
    subject: `Renewal of ${c.serviceName} failed: grace period started`,
    paragraphs: [
      `Your credit did not cover the renewal of ${f.v(c.serviceName)} (${f.v(c.instanceName)}) for ${f.money(c.amountDue)}.`,
      `The app keeps running until ${f.date(c.graceEndsAt)}. Top up before then and it renews at once; after that the service is suspended.`
    ],
    action: { label: "Top up", url: l.appUrl }
  }),
  grace_reminder: (c, f, l) => ({
    subject: `Reminder: ${c.serviceName} will be suspended in ${c.daysLeft} days`,
    paragraphs: [
      `Your ${f.v(c.serviceName)} subscription (${f.v(c.instanceName)}) is still waiting for ${f.money(c.amountDue)}.`,
      `The grace period ends ${f.date(c.graceEndsAt)} (${f.v(c.daysLeft)} days left). Top up to keep the service running.`
    ],
    action: { label: "Top up", url: l.appUrl }
  }),
  suspended: (c, f) => ({
    subject: `${c.serviceName} suspended`,
    paragraphs: [
      `The grace period of ${f.v(c.serviceName)} (${f.v(c.instanceName)}) ended without payment, so the instance was suspended. Your data is kept.`,
      c.retentionEndsAt === null
        ? "Reactivate it at any time with enough credit."
        : `Reactivate it before ${f.date(c.retentionEndsAt)}; after that the instance and its data are deleted.`
    ]
  }),
  expiring: (c, f) => ({
    subject: `Your ${c.serviceName} subscription ends soon`,
    paragraphs: [
      `Auto-renewal of ${f.v(c.serviceName)} (${f.v(c.instanceName)}) is off, so the subscription ends on ${f.date(c.periodEnd)} and the instance and its data are deleted.`,
      "Turn auto-renewal on if you want to keep it."
    ]
  }),
  expired: (c, f) => ({
    subject: `Your ${c.serviceName} subscription has ended`,
    paragraphs: [
      `Your ${f.v(c.serviceName)} subscription (${f.v(c.instanceName)}) has ended and its resources were removed. Thank you for using MinisPod.`
    ]
  }),
  provisioning_failed: (c, f) => ({
    subject: `${c.serviceName} could not be set up — refunded`,
    paragraphs: [
      `Sorry, the instance ${f.v(c.instanceName)} (${f.v(c.serviceName)}) could not be set up.`,
      `${f.money(c.refunded)} was refunded to your credit. You can retry at any time.`
    ]
  })
}

const byLocale: Record<Locale, Templates> = { id, en }

const draftOf = (content: NotificationContent, locale: Locale, f: Fmt, links: RenderLinks): Draft =>
  (byLocale[locale][content._tag] as Template<NotificationKind>)(content as never, f, links)

const plain: (locale: Locale) => Fmt = (locale) => ({
  v: (s) => String(s),
  money: formatRupiah,
  date: (iso) => formatInstant(iso, locale)
})

const escaped: (locale: Locale) => Fmt = (locale) => ({
  v: (s) => escapeHtml(String(s)),
  money: (n) => escapeHtml(formatRupiah(n)),
  date: (iso) => escapeHtml(formatInstant(iso, locale))
})

/** Pure: the same content, locale and links always render the same mail. */
export const renderNotification = (
  content: NotificationContent,
  locale: Locale,
  links: RenderLinks
): RenderedNotification => {
  const text = draftOf(content, locale, plain(locale), links)
  const html = draftOf(content, locale, escaped(locale), links)
  const footer =
    locale === "id" ? "Email ini dikirim otomatis oleh MinisPod." : "This email was sent automatically by MinisPod."
  return {
    subject: text.subject,
    message: text.paragraphs.join("\n\n"),
    text: [...text.paragraphs, ...(text.action ? [`${text.action.label}: ${text.action.url}`] : []), "—", footer].join(
      "\n\n"
    ),
    html: [
      `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><title>${escapeHtml(html.subject)}</title></head>`,
      `<body style="font-family:sans-serif;max-width:560px;margin:auto;color:#222">`,
      `<h2 style="color:#0b5">MinisPod</h2>`,
      ...html.paragraphs.map((p) => `<p>${p}</p>`),
      ...(html.action
        ? [
            `<p><a href="${escapeHtml(html.action.url)}" style="background:#0b5;color:#fff;padding:8px 14px;border-radius:4px;text-decoration:none">${escapeHtml(html.action.label)}</a></p>`
          ]
        : []),
      `<hr><p style="color:#888;font-size:12px">${escapeHtml(footer)}</p></body></html>`
    ].join("\n")
  }
}
