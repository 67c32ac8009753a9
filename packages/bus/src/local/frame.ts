/**
 * Record frame of the local log. Segment files are a plain concatenation of frames; all integers
 * are big-endian, strings are UTF-8.
 *
 * ```
 * offset  size  field
 *      0     4  bodyLength  u32, bytes that follow this field (crc .. end of value)
 *      4     4  crc         u32, CRC-32 (IEEE) of bytes [8, 4 + bodyLength)
 *      8     1  magic       u8 = 1 (format version)
 *      9     8  offset      u64 (two u32 words: high, low)
 *     17     8  timestamp   u64 epoch ms (high, low)
 *     25     4  keyLength   i32, -1 for a null key
 *     29     k  key
 *      .     2  headerCount u16
 *               per header: u16 nameLength, name, u32 valueLength, value
 *      .     4  valueLength u32
 *      .     v  value
 * ```
 *
 * Fixed overhead is 35 bytes per record. The length prefix lets a reader skip a frame without
 * parsing it; the CRC covers everything after itself, so a torn write (short frame) or a flipped
 * bit is detected; the offset inside the frame lets recovery check the sequence is unbroken.
 */
import { crc32 } from './crc32.js'

export const FRAME_MAGIC = 1
/** Bytes before the body: the length field. */
export const LENGTH_BYTES = 4
/** Smallest valid body: crc + magic + offset + timestamp + keyLength + headerCount + valueLength. */
export const MIN_BODY_BYTES = 4 + 1 + 8 + 8 + 4 + 2 + 4
/** Upper bound on one frame; a larger length field can only be garbage. */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024

const U32 = 0x100000000

export interface FrameInput {
  offset: number
  timestamp: number
  /** UTF-8 bytes of the key, or null. */
  key: Uint8Array | null
  headers?: Readonly<Record<string, string>> | undefined
  value: Uint8Array
}

export interface DecodedRecord {
  offset: number
  timestamp: number
  key: string | null
  headers: Record<string, string>
  value: Buffer
}

export type DecodeResult =
  | { status: 'ok'; record: DecodedRecord; frameBytes: number }
  /** The buffer ends inside the frame; `frameBytes` is known once the length field is complete. */
  | { status: 'incomplete'; frameBytes: number | undefined }
  | { status: 'corrupt'; reason: string }

function writeU64(buf: Buffer, value: number, pos: number): void {
  buf.writeUInt32BE(Math.floor(value / U32), pos)
  buf.writeUInt32BE(value >>> 0, pos + 4)
}

function readU64(buf: Buffer, pos: number): number {
  return buf.readUInt32BE(pos) * U32 + buf.readUInt32BE(pos + 4)
}

export function encodedFrameBytes(input: FrameInput): number {
  let bytes = LENGTH_BYTES + MIN_BODY_BYTES + (input.key?.length ?? 0) + input.value.length
  if (input.headers) {
    for (const name in input.headers) {
      bytes += 6 + Buffer.byteLength(name) + Buffer.byteLength(input.headers[name]!)
    }
  }
  return bytes
}

export function encodeFrame(input: FrameInput): Buffer {
  if (!Number.isSafeInteger(input.offset) || input.offset < 0) throw new RangeError('invalid offset')
  const frameBytes = encodedFrameBytes(input)
  if (frameBytes > MAX_FRAME_BYTES)
    throw new RangeError(`record of ${frameBytes} bytes exceeds ${MAX_FRAME_BYTES}`)
  const buf = Buffer.allocUnsafe(frameBytes)
  buf.writeUInt32BE(frameBytes - LENGTH_BYTES, 0)
  buf[8] = FRAME_MAGIC
  writeU64(buf, input.offset, 9)
  writeU64(buf, Math.max(0, Math.trunc(input.timestamp)), 17)
  let pos = 25
  if (input.key === null) {
    buf.writeInt32BE(-1, pos)
    pos += 4
  } else {
    buf.writeInt32BE(input.key.length, pos)
    buf.set(input.key, pos + 4)
    pos += 4 + input.key.length
  }
  const headerCountPos = pos
  pos += 2
  let headerCount = 0
  if (input.headers) {
    for (const name in input.headers) {
      const nameBytes = buf.write(name, pos + 2, 'utf8')
      if (nameBytes > 0xffff) throw new RangeError('header name too long')
      buf.writeUInt16BE(nameBytes, pos)
      pos += 2 + nameBytes
      const valueBytes = buf.write(input.headers[name]!, pos + 4, 'utf8')
      buf.writeUInt32BE(valueBytes, pos)
      pos += 4 + valueBytes
      headerCount++
    }
  }
  if (headerCount > 0xffff) throw new RangeError('too many headers')
  buf.writeUInt16BE(headerCount, headerCountPos)
  buf.writeUInt32BE(input.value.length, pos)
  buf.set(input.value, pos + 4)
  buf.writeUInt32BE(crc32(buf.subarray(8)), 4)
  return buf
}

/**
 * Decodes the frame starting at `pos`. The returned key/value are views into `buf` (no copy).
 * Never throws on bad input: garbage is reported as `corrupt`, a short buffer as `incomplete`.
 */
export function decodeFrame(buf: Buffer, pos: number): DecodeResult {
  const available = buf.length - pos
  if (available < LENGTH_BYTES) return { status: 'incomplete', frameBytes: undefined }
  const bodyBytes = buf.readUInt32BE(pos)
  const frameBytes = LENGTH_BYTES + bodyBytes
  if (bodyBytes < MIN_BODY_BYTES || frameBytes > MAX_FRAME_BYTES) {
    return { status: 'corrupt', reason: `invalid frame length ${bodyBytes}` }
  }
  if (available < frameBytes) return { status: 'incomplete', frameBytes }
  const end = pos + frameBytes
  const expectedCrc = buf.readUInt32BE(pos + 4)
  if (crc32(buf.subarray(pos + 8, end)) !== expectedCrc) return { status: 'corrupt', reason: 'crc mismatch' }
  if (buf[pos + 8] !== FRAME_MAGIC) return { status: 'corrupt', reason: `unknown magic ${buf[pos + 8]}` }
  const offset = readU64(buf, pos + 9)
  const timestamp = readU64(buf, pos + 17)
  let p = pos + 25
  const keyLength = buf.readInt32BE(p)
  p += 4
  let key: string | null = null
  if (keyLength >= 0) {
    if (p + keyLength > end) return { status: 'corrupt', reason: 'key overruns frame' }
    key = buf.toString('utf8', p, p + keyLength)
    p += keyLength
  } else if (keyLength !== -1) {
    return { status: 'corrupt', reason: 'invalid key length' }
  }
  if (p + 2 > end) return { status: 'corrupt', reason: 'headers overrun frame' }
  const headerCount = buf.readUInt16BE(p)
  p += 2
  const headers: Record<string, string> = {}
  for (let i = 0; i < headerCount; i++) {
    if (p + 2 > end) return { status: 'corrupt', reason: 'headers overrun frame' }
    const nameLength = buf.readUInt16BE(p)
    p += 2
    if (p + nameLength + 4 > end) return { status: 'corrupt', reason: 'headers overrun frame' }
    const name = buf.toString('utf8', p, p + nameLength)
    p += nameLength
    const valueLength = buf.readUInt32BE(p)
    p += 4
    if (p + valueLength > end) return { status: 'corrupt', reason: 'headers overrun frame' }
    Object.defineProperty(headers, name, {
      value: buf.toString('utf8', p, p + valueLength),
      enumerable: true,
      writable: true,
      configurable: true,
    })
    p += valueLength
  }
  if (p + 4 > end) return { status: 'corrupt', reason: 'value overruns frame' }
  const valueLength = buf.readUInt32BE(p)
  p += 4
  if (p + valueLength !== end) return { status: 'corrupt', reason: 'value length does not match frame' }
  return {
    status: 'ok',
    record: { offset, timestamp, key, headers, value: buf.subarray(p, end) },
    frameBytes,
  }
}
