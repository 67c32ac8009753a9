import type { Rng } from '../prng.js'

/** A product as the Segment e-commerce v2 spec describes it. */
export interface Product {
  product_id: string
  sku: string
  name: string
  category: string
  brand: string
  price: number
  /** Relative popularity: how often it is viewed. */
  weight: number
}

const CATEGORIES: ReadonlyArray<readonly [string, readonly string[], readonly [number, number]]> = [
  [
    'Parfums',
    ['Eau de Parfum Ambre', 'Eau de Toilette Néroli', 'Extrait Iris', 'Cologne Vétiver'],
    [45, 140],
  ],
  ['Bougies', ['Bougie Figuier', 'Bougie Cèdre', 'Bougie Tubéreuse'], [28, 65]],
  ['Soins', ['Crème Mains', 'Huile Corps', 'Savon Lavande', 'Baume Lèvres'], [9, 48]],
  ['Accessoires', ['Vaporisateur de voyage', 'Coffret cadeau', 'Trousse en lin'], [12, 55]],
  ['Maison', ['Diffuseur Bois', 'Brume d’oreiller', 'Recharge Diffuseur'], [22, 80]],
]
const BRANDS = ['Sillage', 'Maison Sillage', 'Atelier S.']

/** A deterministic catalogue of about 17 products across 5 categories. */
export function createCatalogue(rng: Rng): Product[] {
  const products: Product[] = []
  for (const [category, names, [lo, hi]] of CATEGORIES) {
    for (const name of names) {
      const n = products.length + 1
      const id = String(n).padStart(3, '0')
      products.push({
        product_id: `p-${id}`,
        sku: `SKU-${category.slice(0, 3).toUpperCase()}-${id}`,
        name,
        category,
        brand: rng.pick(BRANDS),
        price: Math.round(rng.between(lo, hi)) - 0.1,
        weight: Math.round(rng.between(1, 10) * 10) / 10,
      })
    }
  }
  return products
}
