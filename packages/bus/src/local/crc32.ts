import zlib from 'node:zlib'

/** CRC-32 (IEEE 802.3, as zlib/gzip/PNG), unsigned. Uses `zlib.crc32` when present (Node ≥ 20.15). */
export type Crc32 = (data: Uint8Array) => number

let table: Uint32Array | undefined

function buildTable(): Uint32Array {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
}

/** Table-based fallback, exported so tests can check it against zlib. */
export function crc32Js(data: Uint8Array): number {
  table ??= buildTable()
  const t = table
  let crc = 0xffffffff
  for (let i = 0; i < data.length; i++) crc = t[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

const native = (zlib as { crc32?: (data: Uint8Array) => number }).crc32

export const crc32: Crc32 = typeof native === 'function' ? (data) => native(data) >>> 0 : crc32Js
