import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ConfigError, envBool, envInt, envPort, parseEnv } from './env.js'
import { envLogLevel, loadWarehouseConfig } from './service-env.js'

const schema = z.object({
  PORT: envPort(8080),
  COUNT: envInt(5, 1, 100),
  FLAG: envBool(false),
  LEVEL: envLogLevel,
  HOST: z.string().default('127.0.0.1'),
  SILLAGE_ADMIN_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  LIST: z.string().optional(),
  JSON_VAR: z.string().optional(),
})

const refusal = (env: Record<string, string>): string => {
  try {
    parseEnv(schema, env)
  } catch (err) {
    if (err instanceof ConfigError) return err.message
    throw err
  }
  return 'accepted'
}

describe('parseEnv refuses hostile values with the variable, the value, what is allowed and a code', () => {
  it.each([
    [{ PORT: 'abc' }, 'SIL_CONFIG_INVALID: PORT: must be an integer from 0 to 65535 (got "abc")'],
    [{ PORT: '-1' }, 'SIL_CONFIG_INVALID: PORT: must be an integer from 0 to 65535 (got "-1")'],
    [{ PORT: '65536' }, 'SIL_CONFIG_INVALID: PORT: must be an integer from 0 to 65535 (got "65536")'],
    [{ PORT: '1e308' }, 'SIL_CONFIG_INVALID: PORT: must be an integer from 0 to 65535 (got "1e308")'],
    [{ PORT: '1e3' }, 'SIL_CONFIG_INVALID: PORT: must be an integer from 0 to 65535 (got "1e3")'],
    [{ PORT: '0x1F90' }, 'SIL_CONFIG_INVALID: PORT: must be an integer from 0 to 65535 (got "0x1F90")'],
    [{ PORT: '80.5' }, 'SIL_CONFIG_INVALID: PORT: must be an integer from 0 to 65535 (got "80.5")'],
    [{ PORT: '"8080"' }, 'SIL_CONFIG_INVALID: PORT: must be an integer from 0 to 65535 (got "\\"8080\\"")'],
    [{ PORT: ' ' }, 'SIL_CONFIG_INVALID: PORT: is blank; unset it or give a value'],
    [{ PORT: '8080 ' }, 'SIL_CONFIG_INVALID: PORT: has leading or trailing whitespace (got "8080 ")'],
    [{ COUNT: '0' }, 'SIL_CONFIG_INVALID: COUNT: must be an integer from 1 to 100 (got "0")'],
    [
      { COUNT: '99999999999999999999' },
      'SIL_CONFIG_INVALID: COUNT: must be an integer from 1 to 100 (got "99999999999999999999")',
    ],
    [
      { FLAG: 'enabled' },
      'SIL_CONFIG_INVALID: FLAG: must be true, false, yes, no, on, off, 1 or 0 (any case) (got "enabled")',
    ],
    [
      { FLAG: 'tru' },
      'SIL_CONFIG_INVALID: FLAG: must be true, false, yes, no, on, off, 1 or 0 (any case) (got "tru")',
    ],
    [
      { LEVEL: 'verbose' },
      'SIL_CONFIG_INVALID: LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")',
    ],
    [
      { HOST: '127.0.0.1\n' },
      'SIL_CONFIG_INVALID: HOST: has leading or trailing whitespace (got "127.0.0.1\\n")',
    ],
    [{ HOST: 'x'.repeat(200) }, 'accepted'],
    [
      { SILLAGE_ADMIN_TOKEN: 'hunter2' },
      'SIL_CONFIG_INVALID: SILLAGE_ADMIN_TOKEN: at least 16 characters (value hidden)',
    ],
    [
      { SILLAGE_ADMIN_TOKEN: 'a-long-enough-token ' },
      'SIL_CONFIG_INVALID: SILLAGE_ADMIN_TOKEN: has leading or trailing whitespace (value hidden)',
    ],
    [{ LIST: ' a:1, b:2 ' }, 'accepted'],
    [{ JSON_VAR: '[{"id": 1}]\n' }, 'accepted'],
    [{ PORT: '', COUNT: '' }, 'accepted'],
    [{ PORT: '0', COUNT: '+7', FLAG: 'yes' }, 'accepted'],
  ])('%j', (env, expected) => {
    expect(refusal(env)).toBe(expected)
  })

  it('reports every problem, one line each', () => {
    expect(refusal({ PORT: 'x', FLAG: '2' }).split('\n')).toEqual([
      'SIL_CONFIG_INVALID: PORT: must be an integer from 0 to 65535 (got "x")',
      'SIL_CONFIG_INVALID: FLAG: must be true, false, yes, no, on, off, 1 or 0 (any case) (got "2")',
    ])
  })

  it('keeps the code a problem brings', () => {
    expect(new ConfigError(['SIL_OTHER: X: bad', 'Y: bad']).message).toBe(
      'SIL_OTHER: X: bad\nSIL_CONFIG_INVALID: Y: bad',
    )
  })

  it('cuts a long value and hides the credentials of a URL', () => {
    expect(refusal({ PORT: '9'.repeat(500) })).toBe(
      `SIL_CONFIG_INVALID: PORT: must be an integer from 0 to 65535 (got "${'9'.repeat(80)}…")`,
    )
    expect(() => loadWarehouseConfig({ CLICKHOUSE_URL: 'ftp://user:pw@ch:8123' })).toThrow(
      'SIL_CONFIG_INVALID: CLICKHOUSE_URL: must be an http:// or https:// URL (got "ftp://***@ch:8123")',
    )
  })

  it('reads the defaults and valid values', () => {
    expect(parseEnv(schema, { PORT: '0', COUNT: '100', FLAG: '1' })).toMatchObject({
      PORT: 0,
      COUNT: 100,
      FLAG: true,
      LEVEL: 'info',
    })
    expect(parseEnv(z.object({ P: envPort(undefined) }), {}).P).toBeUndefined()
  })

  it.each(['true', 'TRUE', 'True', 'on', 'ON', 'yes', 'Yes', '1'])('reads %j as true', (value) => {
    expect(parseEnv(schema, { FLAG: value }).FLAG).toBe(true)
    expect(parseEnv(z.object({ F: envBool(true) }), { F: value }).F).toBe(true)
  })

  it.each(['false', 'FALSE', 'False', 'off', 'OFF', 'no', 'NO', '0'])('reads %j as false', (value) => {
    expect(parseEnv(schema, { FLAG: value }).FLAG).toBe(false)
    expect(parseEnv(z.object({ F: envBool(true) }), { F: value }).F).toBe(false)
  })
})
