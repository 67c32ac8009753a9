// The dashboard's words and number formats, per language: labels, the model's segment names,
// and Intl formatters (euros, percentages, points, dates) for the locale.
export const T = {
  'en-GB': {
    title: 'dashboard',
    from: 'From',
    to: 'To',
    source: 'Source',
    channel: 'Channel',
    store: 'Store',
    byStore: 'By store',
    otherSources: '{n} other sources',
    noStores: 'No store orders for these filters.',
    audience: 'Reactivation audience',
    members: 'members',
    lastSync: 'last change synced',
    neverSynced: 'not synced yet',
    fromFile: 'from the activation file',
    fromApi: 'from the admin API',
    seeDocs: 'see',
    noAudience:
      'No audience reactivates them yet: define one in audiences.json or through /admin/audiences with the rule',
    all: 'All',
    granularity: 'Series',
    byDay: 'by day',
    byWeek: 'by week',
    language: 'Language',
    signOut: 'Sign out',
    kpis: 'Key figures',
    series: 'Visits and revenue over time',
    funnel: 'Funnel (visits)',
    bySource: 'By source',
    byChannel: 'By channel',
    topProducts: 'Top products',
    rfm: 'RFM segments',
    transitions: 'Segment transitions',
    dormant: 'Dormant customers',
    loading: 'Loading…',
    visits: 'Visits',
    conversionRate: 'Conversion',
    avgBasket: 'Average basket',
    revenue: 'Revenue',
    orders: 'Orders',
    cartAbandonmentRate: 'Cart abandonment',
    bounceRate: 'Bounce',
    newCustomers: 'New customers',
    returningCustomers: 'Returning customers',
    vsPrevious: 'vs',
    views: 'Viewed a product',
    adds: 'Added to cart',
    checkouts: 'Started checkout',
    ordered: 'Ordered',
    sharePeople: 'share of people',
    shareRevenue: 'share of revenue',
    product: 'Product',
    units: 'Units',
    people: 'People',
    avgValue: 'Avg value',
    fromTo: 'from \\ to',
    asOf: 'as of',
    person: 'Person',
    lastOrder: 'Last order',
    days: 'Days',
    spent: 'Spent',
    dormantSummary: '{n} dormant customers as of {d}: reactivate them or let them go. Top 10 by value:',
    noData: 'No data for these filters.',
    noEvents:
      "No event received yet. Add the Sillage tag or an SDK to your shop with a write key (the README's quick start), or fill a demo shop with `npx -y pnpm@10.34.8 sillage seed` (from the repository): figures appear here a few seconds after the first visits.",
    failed: 'The dashboard could not load: ',
    figuresAsOf: 'figures as of {t}, kept 30 s',
    partialWeek: 'partial week ({d})',
    weekSoFar: 'week so far ({d})',
    daySoFar: 'today so far',
    daysOf: '{n} of {m} days',
    weekOf: 'Week of',
    day: 'Day',
    partialNote: 'Hatched on the chart: partial periods, with fewer days than a whole one, so lower.',
    seriesTable: 'The series as a table',
  },
  'fr-FR': {
    title: 'tableau de bord',
    from: 'Du',
    to: 'Au',
    source: 'Source',
    channel: 'Canal',
    store: 'Magasin',
    byStore: 'Par magasin',
    otherSources: '{n} autres sources',
    noStores: 'Aucune commande en magasin pour ces filtres.',
    audience: 'Audience de réactivation',
    members: 'membres',
    lastSync: 'dernier changement synchronisé le',
    neverSynced: 'pas encore synchronisée',
    fromFile: "du fichier d'activation",
    fromApi: "de l'API d'administration",
    seeDocs: 'voir',
    noAudience:
      'Aucune audience ne les réactive encore : définissez-en une dans audiences.json ou par /admin/audiences avec la règle',
    all: 'Tous',
    granularity: 'Série',
    byDay: 'par jour',
    byWeek: 'par semaine',
    language: 'Langue',
    signOut: 'Se déconnecter',
    kpis: 'Chiffres clés',
    series: 'Visites et chiffre d’affaires',
    funnel: 'Entonnoir (visites)',
    bySource: 'Par source',
    byChannel: 'Par canal',
    topProducts: 'Meilleurs produits',
    rfm: 'Segments RFM',
    transitions: 'Matrice de passage',
    dormant: 'Clients dormants',
    loading: 'Chargement…',
    visits: 'Visites',
    conversionRate: 'Taux de conversion',
    avgBasket: 'Panier moyen',
    revenue: 'Chiffre d’affaires',
    orders: 'Commandes',
    cartAbandonmentRate: 'Abandon de panier',
    bounceRate: 'Taux de rebond',
    newCustomers: 'Nouveaux clients',
    // Not « fidèles »: that is the RFM segment `loyal`, a different set of people.
    returningCustomers: 'Clients de retour',
    vsPrevious: 'vs',
    views: 'Ont vu un produit',
    adds: 'Ajout au panier',
    checkouts: 'Paiement commencé',
    ordered: 'Ont commandé',
    sharePeople: 'part des personnes',
    shareRevenue: 'part du chiffre d’affaires',
    product: 'Produit',
    units: 'Unités',
    people: 'Personnes',
    avgValue: 'Valeur moy.',
    fromTo: 'de \\ vers',
    asOf: 'au',
    person: 'Personne',
    lastOrder: 'Dernière commande',
    days: 'Jours',
    spent: 'Dépensé',
    dormantSummary:
      '{n} clients dormants au {d} : à réactiver ou à laisser partir. Les 10 premiers en valeur :',
    noData: 'Aucune donnée pour ces filtres.',
    noEvents:
      'Aucun événement reçu pour l’instant. Ajoutez le tag Sillage ou un SDK à votre boutique avec une clé d’écriture (le démarrage rapide du README), ou remplissez une boutique de démonstration avec `npx -y pnpm@10.34.8 sillage seed` (depuis le dépôt) : les chiffres apparaissent ici quelques secondes après les premières visites.',
    failed: 'Le tableau de bord n’a pas pu se charger : ',
    figuresAsOf: 'chiffres de {t}, gardés 30 s',
    partialWeek: 'semaine partielle ({d})',
    weekSoFar: 'semaine en cours ({d})',
    daySoFar: 'aujourd’hui, en cours',
    daysOf: '{n} jours sur {m}',
    weekOf: 'Semaine du',
    day: 'Jour',
    partialNote:
      'Hachurées sur le graphique : périodes partielles, avec moins de jours qu’une entière, donc plus basses.',
    seriesTable: 'La série en tableau',
  },
}

/** What the page shows for a number it does not have (null: unknown, or no ratio): never 0. */
export const UNKNOWN = '—'
/** `format`, except for a value that is not a finite number: UNKNOWN (Intl would write null as 0). */
const known = (format) => (v) => (typeof v === 'number' && Number.isFinite(v) ? format(v) : UNKNOWN)

/**
 * Intl.NumberFormat for `o`; from 1e15 up (an absurd amount, such as a test order of 1e306 €),
 * in scientific notation (`€1.7E306`): written out, it would be 300 digits wide.
 */
const numberFormat = (lang, o) => {
  const plain = new Intl.NumberFormat(lang, o).format
  const huge = new Intl.NumberFormat(lang, { ...o, notation: 'scientific', maximumFractionDigits: 1 }).format
  return (v) => (Math.abs(v) >= 1e15 ? huge(v) : plain(v))
}

export function formatters(lang) {
  const n = (o) => known(numberFormat(lang, o))
  const points = n({ maximumFractionDigits: 1, signDisplay: 'exceptZero' })
  return {
    int: n({ maximumFractionDigits: 0 }),
    eur: n({ style: 'currency', currency: 'EUR' }),
    eur0: n({ style: 'currency', currency: 'EUR', maximumFractionDigits: 0 }),
    pct: n({ style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }),
    signedPct: n({ style: 'percent', maximumFractionDigits: 1, signDisplay: 'exceptZero' }),
    points: known((v) => `${points(v * 100)} pt`),
    day: (d) =>
      new Intl.DateTimeFormat(lang, {
        day: 'numeric',
        month: 'short',
        year: 'numeric',
        timeZone: 'UTC',
      }).format(new Date(`${d}T00:00:00Z`)),
    short: new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'short', timeZone: 'UTC' }).format,
    /** "Mon 1" (a day of a partial week). */
    weekday: (d) =>
      new Intl.DateTimeFormat(lang, { weekday: 'short', day: 'numeric', timeZone: 'UTC' }).format(
        new Date(`${d}T00:00:00Z`),
      ),
    /** "02:13:05 UTC" (an ISO instant). */
    time: (iso) =>
      new Intl.DateTimeFormat(lang, {
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hourCycle: 'h23',
        timeZone: 'UTC',
        timeZoneName: 'short',
      }).format(new Date(iso)),
  }
}

// The model's segment codes, best first (docs/analysts.md, rfm_at); '(new)': no order before.
const SEGMENTS = [
  '(new)',
  'champions',
  'loyal',
  'promising',
  'need_attention',
  'at_risk',
  'hibernating',
  'dormant',
]
const SEGMENT_NAMES = {
  'fr-FR': {
    '(new)': '(nouveaux)',
    champions: 'champions',
    loyal: 'fidèles',
    promising: 'prometteurs',
    need_attention: 'à surveiller',
    at_risk: 'à risque',
    hibernating: 'en sommeil',
    dormant: 'dormants',
  },
}
/** A segment code as the language names it. */
export const segmentNamer = (lang) => (s) => (SEGMENT_NAMES[lang] || {})[s] || s.replace(/_/g, ' ')
const segmentRank = (s) => (SEGMENTS.includes(s) ? SEGMENTS.indexOf(s) : SEGMENTS.length)
export const bySegment = (a, b) => segmentRank(a) - segmentRank(b) || (a < b ? -1 : a > b ? 1 : 0)

// The API's error codes in the reader's language (its `message` is English, for operators' logs).
const ERRORS = {
  'fr-FR': {
    SIL_DASHBOARD_FILTER_INVALID: 'un filtre est mal formé',
    SIL_DASHBOARD_QUERY_FAILED: 'l’entrepôt n’a pas pu répondre ; réessayez',
  },
}
/** An API error body's text for `lang`: the code translated, with the English detail if any. */
export function errorText(lang, body, fallback) {
  const message = body && typeof body.message === 'string' ? body.message : fallback
  const own = body && typeof body.code === 'string' && Object.hasOwn(ERRORS[lang] || {}, body.code)
  return own ? `${ERRORS[lang][body.code]} (${message})` : message
}
