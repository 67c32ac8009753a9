import { isInteger, isSafeNumber, parse } from 'lossless-json'

/**
 * A run of 16 digits or more: an integer that long may be past Number.MAX_SAFE_INTEGER
 * (9007199254740991, 16 digits). A line without one is read exactly by JSON.parse, and fast.
 */
const LONG_DIGITS = /\d{16}/

/** An integer past ±2^53 - 1 (a 64-bit customer or card id) as its exact digits; other numbers as numbers. */
function parseNumber(value: string): unknown {
  return isInteger(value) && !isSafeNumber(value) ? value : Number(value)
}

/** A repeated key keeps the last value, as JSON.parse does. */
const lastValue = ({ newValue }: { newValue: unknown }) => newValue

/**
 * JSON.parse that keeps integers beyond Number.MAX_SAFE_INTEGER exact, as strings of their digits
 * (`{"customer_id": 12345678901234567890}` reads `"12345678901234567890"`, not 12345678901234567000):
 * ids stay the same id, and every value stays serialisable (no bigint). Other numbers are numbers.
 * Throws a SyntaxError on text that is not JSON, like JSON.parse.
 */
export function parseJsonExact(text: string): unknown {
  if (!LONG_DIGITS.test(text)) return JSON.parse(text)
  return parse(text, null, { parseNumber, onDuplicateKey: lastValue })
}
