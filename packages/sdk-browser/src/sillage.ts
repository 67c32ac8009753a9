import type { ANONYMOUS_ID_COOKIE, CONSENT_COOKIE, SESSION_COOKIE } from '@sillage/schemas/cookies'
import { createDelivery, type Delivery, type QueuedEvent, type Saved } from './delivery.js'
import { getCookie, local, setCookie } from './storage.js'
import type {
  ConsentOptions,
  ConsentState,
  InitOptions,
  OutgoingEvent,
  Properties,
  Sillage,
} from './types.js'
import { campaign, newId, now, stringify } from './util.js'

declare const __SILLAGE_VERSION__: string

// The cookie names of the shared contract (schemas/src/cookies.ts), checked at compile time and
// copied so that nothing of @sillage/schemas runs in the browser.
const AID_COOKIE: typeof ANONYMOUS_ID_COOKIE = 'sil_aid'
const SID_COOKIE: typeof SESSION_COOKIE = 'sil_sid'
const CHOICE_COOKIE: typeof CONSENT_COOKIE = 'sil_consent'

/** 13 months, the CNIL's limit for audience-measurement cookies. */
const ID_MAX_AGE = 34214400
const SESSION_MAX_AGE = 1800
const CONSENT_MAX_AGE = 15552000
const QUEUE_KEY = 'sil_queue'
const USER_KEY = 'sil_uid'

type Draft = QueuedEvent & { type: string; previousId?: string }

/**
 * The SDK. Before `init` and while consent is pending, calls are kept in memory (bounded) and
 * nothing is stored or sent; on grant they are sent, on refusal dropped.
 */
export function createSillage(defaultHost = ''): Sillage {
  let o: InitOptions | undefined
  let c = { __proto__: null } as ConsentOptions
  /** Consent: undefined while pending, then true (granted) or false (refused). */
  let allowed: boolean | undefined
  let categories: string[] = []
  let category = 'analytics'
  let policyVersion: string | undefined
  let anonymousId: string | undefined
  let userId: string | undefined
  let session = 0
  let touched = 0
  let lastEvent = 0
  let pending: Draft[] = []
  let blocked = false
  let delivery: Delivery | undefined
  let lastUrl = ''
  let referrer = document.referrer
  const nav = navigator
  const gpc = (nav as { globalPrivacyControl?: boolean }).globalPrivacyControl === true
  const dnt = nav.doNotTrack == '1'
  const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone

  const consentContext = () => ({ categories, policyVersion, gpc, dnt })

  /** An event as of now: page context is captured at the call, ids at send time. */
  const draft = (type: string, fields: Properties): Draft => {
    const l = location
    const page = { url: l.href, path: l.pathname, referrer, title: document.title, search: l.search }
    // Without a prototype, so that a page's getters or setters on Object.prototype (read-only
    // `anonymousId`, throwing `sessionId`…) are never reached when the SDK sets ids and context.
    return {
      __proto__: null,
      type,
      userId,
      ...fields,
      messageId: newId(),
      timestamp: now(),
      context: {
        __proto__: null,
        page,
        campaign: campaign(l.search),
        locale: nav.language,
        timezone,
        screen: { width: screen.width, height: screen.height, density: devicePixelRatio },
        library: { name: 'sillage.js', version: __SILLAGE_VERSION__ },
      },
      ...(type == 'page' && { properties: { ...page, ...(fields['properties'] as Properties) } }),
    }
  }

  /** Session id: its start time; a new one after 30 minutes without events (cookie shared by tabs). */
  const sessionId = () => {
    const t = Date.now()
    if (t - touched > 1e4) {
      session = +getCookie(SID_COOKIE) || (t - lastEvent < SESSION_MAX_AGE * 1e3 && session) || t
      setCookie(SID_COOKIE, session, SESSION_MAX_AGE, o!.cookieDomain)
      touched = t
    }
    lastEvent = t
    return session
  }

  /** Consent granted: ids, session and consent go on, beforeSend may change or drop, then queued. */
  const deliver = (e: Draft) => {
    e.anonymousId = anonymousId
    if (e.type == 'alias') e.previousId ||= anonymousId
    e.context.sessionId = sessionId()
    e.context.consent = consentContext()
    const out = o!.beforeSend ? o!.beforeSend(e as unknown as OutgoingEvent) : e
    if (out) delivery!.push(out as unknown as QueuedEvent)
  }

  const emit = (type: string, fields: Properties) => {
    const e = draft(type, fields)
    if (allowed) deliver(e)
    else if (allowed == null && pending.push(e) > (c.buffer || 100)) pending.shift()
  }

  /** Reads or creates the ids, and picks up what an earlier page could not deliver. */
  const start = () => {
    anonymousId = getCookie(AID_COOKIE) || local(AID_COOKIE) || newId()
    userId ||= local(USER_KEY) || undefined
    remember()
    // A queue another script or an old version left unreadable is dropped (and rewritten later).
    try {
      delivery!.restore(JSON.parse(local(QUEUE_KEY)!) as Saved)
    } catch {
      /* nothing kept */
    }
  }

  /** Writes the anonymous id (renewing its 13 months) and the user id. */
  const remember = () => {
    setCookie(AID_COOKIE, anonymousId!, ID_MAX_AGE, o!.cookieDomain)
    local(AID_COOKIE, anonymousId)
    local(USER_KEY, userId || null)
  }

  const erase = () => {
    for (const c of [AID_COOKIE, SID_COOKIE]) setCookie(c, '', 0, o!.cookieDomain)
    for (const k of [AID_COOKIE, USER_KEY, QUEUE_KEY]) local(k, null)
  }

  /** A choice: store it, tell the collector when we may, then send or drop what waited. */
  const choose = (granted: string[], store: boolean) => {
    const was = allowed
    const changed = store && String(granted) != String(categories)
    categories = granted
    allowed = granted.includes(category)
    if (store) setCookie(CHOICE_COOKIE, stringify(consentContext()), CONSENT_MAX_AGE, o!.cookieDomain)
    if (allowed && !was) start()
    // Recorded when granted, and on withdrawal; a first refusal sends nothing (the visitor stays unknown).
    if (changed && (allowed || was))
      deliver(draft('track', { event: 'Consent Updated', properties: { categories, policyVersion } }))
    if (allowed) pending.forEach(deliver)
    else if (was) {
      delivery!.flush()
      erase()
    }
    pending = []
  }

  const pageView = (name?: string, properties?: Properties) => {
    emit('page', { name, properties })
    lastUrl = location.href
  }

  /** History navigation: a page when the URL changed, fragment aside (anchors are not pages). */
  const navigated = () => {
    if (location.href.split('#')[0] != lastUrl.split('#')[0]) {
      referrer = lastUrl
      pageView()
    }
  }

  const track = (event: string, properties?: Properties) => emit('track', { event, properties })
  const commerce = (event: string) => (properties: Properties) => track(event, properties)

  return {
    init(options) {
      if (o) return
      // Copies without a prototype: an option left out reads undefined, whatever Object.prototype holds.
      o = { __proto__: null, ...options } as InitOptions
      c = { __proto__: null, ...o.consent } as ConsentOptions
      category = c.category || category
      policyVersion = c.policyVersion
      const url = (o.host || defaultHost).replace(/\/$/, '') + '/v1/batch'
      delivery = createDelivery(
        o,
        {
          // A string body goes as text/plain;charset=UTF-8, as a beacon's: a simple request, no CORS preflight.
          post: (body, keepalive) =>
            fetch(url, {
              // Without a prototype too: the browser reads every member of RequestInit (`mode`…).
              __proto__: null,
              method: 'POST',
              body,
              keepalive,
              credentials: 'include',
            } as RequestInit).then((r) => {
              // The collector renews the id cookie in its answer; not for a request that was in
              // flight when consent was withdrawn.
              if (allowed === false) erase()
              return r
            }),
          beacon: (body) => nav.sendBeacon(url, body),
        },
        // Kept only while consent holds; a withdrawal erases it.
        (s) => local(QUEUE_KEY, s && allowed ? stringify(s) : null),
      )
      const exit = () => delivery!.exit()
      addEventListener('pagehide', exit)
      document.addEventListener('visibilitychange', () => document.hidden && exit())
      addEventListener('online', () => delivery!.flush(true))

      let stored: { categories?: string[]; policyVersion?: string } | undefined
      try {
        // Copied without a prototype too: a choice stored without policyVersion reads undefined.
        stored = { __proto__: null, ...JSON.parse(getCookie(CHOICE_COOKIE)) }
      } catch {
        /* no choice yet */
      }
      blocked = (c.gpc !== false && gpc) || (!!c.dnt && dnt)
      if (blocked) choose([], false)
      else if (stored && stored.policyVersion == policyVersion) choose(stored.categories || [], false)
      else if (c.mode == 'opt-out') choose([category], false)

      if (o.autoPage !== false) {
        for (const m of ['pushState', 'replaceState'] as const) {
          const original = history[m]
          history[m] = function (this: History, ...args: Parameters<History['pushState']>) {
            original.apply(this, args)
            navigated()
          }
        }
        addEventListener('popstate', navigated)
        pageView()
      }
    },
    track,
    page: pageView,
    identify(id, traits) {
      if (id != null) userId = String(id)
      if (allowed) local(USER_KEY, userId || null)
      emit('identify', { userId, traits })
    },
    alias: (to, from) => emit('alias', { userId: to, previousId: from || userId }),
    group: (groupId, traits) => emit('group', { groupId, traits }),
    reset() {
      userId = undefined
      session = touched = 0
      if (allowed) {
        setCookie(SID_COOKIE, '', 0, o!.cookieDomain)
        anonymousId = newId()
        remember()
      }
    },
    flush: () => delivery && delivery.flush(true),
    consent: {
      grant: (granted) => o && !blocked && choose(granted || [category], true),
      deny: () => o && choose([], true),
      get: (): ConsentState => ({
        state: allowed == null ? 'pending' : allowed ? 'granted' : 'denied',
        ...consentContext(),
      }),
    },
    productViewed: commerce('Product Viewed'),
    productAdded: commerce('Product Added'),
    productRemoved: commerce('Product Removed'),
    cartViewed: commerce('Cart Viewed'),
    checkoutStarted: commerce('Checkout Started'),
    orderCompleted: commerce('Order Completed'),
  }
}
