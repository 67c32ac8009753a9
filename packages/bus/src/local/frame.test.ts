import zlib from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { crc32, crc32Js } from './crc32.js'
import { decodeFrame, encodeFrame, type FrameInput } from './frame.js'

const sample: FrameInput = {
  offset: 2 ** 40 + 7,
  timestamp: 1_750_000_000_123,
  key: Buffer.from('user-é'),
  headers: { seq: '3', 'content-type': 'application/json', ['__proto__']: 'x', empty: '' },
  value: Buffer.from('{"hello":"wörld"}'),
}

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926)
    expect(crc32Js(Buffer.from('123456789'))).toBe(0xcbf43926)
    expect(crc32Js(Buffer.alloc(0))).toBe(0)
  })

  it('JS fallback agrees with zlib on random data', () => {
    for (let n = 0; n < 300; n += 7) {
      const data = Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff))
      expect(crc32Js(data)).toBe(zlib.crc32(data) >>> 0)
    }
  })
})

describe('frame', () => {
  it('round-trips offset, timestamp, key, headers and value', () => {
    const frame = encodeFrame(sample)
    const result = decodeFrame(frame, 0)
    expect(result.status).toBe('ok')
    if (result.status !== 'ok') return
    expect(result.frameBytes).toBe(frame.length)
    expect(result.record.offset).toBe(sample.offset)
    expect(result.record.timestamp).toBe(sample.timestamp)
    expect(result.record.key).toBe('user-é')
    expect(Object.entries(result.record.headers)).toEqual(Object.entries(sample.headers!))
    expect(result.record.value.toString()).toBe('{"hello":"wörld"}')
  })

  it('round-trips a null key, no headers and an empty value in 35 bytes', () => {
    const frame = encodeFrame({ offset: 0, timestamp: 0, key: null, value: Buffer.alloc(0) })
    expect(frame.length).toBe(35)
    const result = decodeFrame(frame, 0)
    expect(result).toMatchObject({ status: 'ok', record: { key: null, headers: {}, offset: 0 } })
  })

  it('decodes consecutive frames from one buffer', () => {
    const frames = [0, 1, 2].map((offset) => encodeFrame({ ...sample, offset }))
    const buf = Buffer.concat(frames)
    let pos = 0
    const offsets: number[] = []
    for (;;) {
      const result = decodeFrame(buf, pos)
      if (result.status !== 'ok') break
      offsets.push(result.record.offset)
      pos += result.frameBytes
    }
    expect(offsets).toEqual([0, 1, 2])
    expect(pos).toBe(buf.length)
  })

  it('reports a frame cut anywhere as incomplete, never as a record', () => {
    const frame = encodeFrame(sample)
    for (let cut = 0; cut < frame.length; cut++) {
      expect(decodeFrame(frame.subarray(0, cut), 0).status).toBe('incomplete')
    }
  })

  it('detects any single flipped byte after the length field', () => {
    const frame = encodeFrame(sample)
    for (let i = 4; i < frame.length; i++) {
      const copy = Buffer.from(frame)
      copy[i]! ^= 0x5a
      expect(decodeFrame(copy, 0), `byte ${i}`).toMatchObject({ status: 'corrupt' })
    }
  })

  it('rejects a garbage length field without reading past it', () => {
    const zeros = Buffer.alloc(64)
    expect(decodeFrame(zeros, 0)).toMatchObject({ status: 'corrupt', reason: 'invalid frame length 0' })
    const huge = Buffer.alloc(64, 0xff)
    expect(decodeFrame(huge, 0)).toMatchObject({ status: 'corrupt' })
  })

  it('refuses to encode a negative or fractional offset', () => {
    expect(() => encodeFrame({ ...sample, offset: -1 })).toThrow(RangeError)
    expect(() => encodeFrame({ ...sample, offset: 1.5 })).toThrow(RangeError)
  })
})
