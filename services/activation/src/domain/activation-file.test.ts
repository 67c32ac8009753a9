import { describe, expect, it } from 'vitest'
import { ActivationFileError, parseActivationFile } from './activation-file.js'

const problemsOf = (file: Record<string, unknown>): string[] => {
  try {
    parseActivationFile(JSON.stringify(file))
  } catch (err) {
    if (err instanceof ActivationFileError) return err.problems
    throw err
  }
  return []
}
const webhook = (url: string) => ({ destinations: [{ id: 'crm', type: 'webhook', url }] })
const fileExport = (directory: string) => ({ destinations: [{ id: 'ads', type: 'file', directory }] })

describe('activation file: webhook URLs', () => {
  it('accepts http: and https: URLs', () => {
    expect(problemsOf(webhook('https://crm.example/hooks/sillage'))).toEqual([])
    expect(problemsOf(webhook('http://127.0.0.1:9999/hook'))).toEqual([])
  })

  it.each(['file:///etc/passwd', 'ftp://files.example/drop', 'javascript:alert(1)', 'mailto:a@b.example'])(
    'refuses %s',
    (url) => {
      expect(problemsOf(webhook(url))).toEqual([
        expect.stringMatching(/^destinations\.0\.url: only http: and https: URLs can receive a webhook/),
      ])
    },
  )

  it('refuses credentials in the URL without repeating them, and names the secret instead', () => {
    for (const url of ['https://user:hunter2@crm.example/hook', 'https://user@crm.example/hook']) {
      const problems = problemsOf(webhook(url))
      expect(problems).toEqual([expect.stringMatching(/^destinations\.0\.url: credentials in the URL/)])
      expect(problems[0]).toContain('SILLAGE_DESTINATION_SECRET_<ID>')
      expect(problems.join('\n')).not.toMatch(/hunter2|user@/)
    }
  })
})

describe('activation file: file export directories', () => {
  it.each(['exports/ads', 'exports', './exports', 'exports/../ads', '..ads'])('accepts %s', (directory) => {
    expect(problemsOf(fileExport(directory))).toEqual([])
  })

  it.each([
    ['../outside', /must stay inside the data dir/],
    ['exports/../../outside', /must stay inside the data dir/],
    ['..', /must stay inside the data dir/],
    ['/etc/cron.d', /must be relative to the data dir/],
  ])('refuses %s', (directory, problem) => {
    expect(problemsOf(fileExport(directory))).toEqual([
      expect.stringMatching(/^destinations\.0\.directory: /),
    ])
    expect(problemsOf(fileExport(directory))[0]).toMatch(problem)
  })
})

describe('activation file: duplicate ids', () => {
  const hook = { id: 'crm', type: 'webhook', url: 'https://crm.example/hook' }
  const trigger = (id: string) => ({ id, event: 'Cart Abandoned', destinations: ['crm'] })

  it('refuses a trigger id used twice, naming it', () => {
    expect(
      problemsOf({
        destinations: [hook],
        triggers: [trigger('big-cart'), trigger('welcome'), trigger('big-cart')],
      }),
    ).toEqual(['triggers: duplicate id big-cart'])
  })

  it('refuses duplicate destination and audience ids, naming them', () => {
    const audience = { id: 'dormant', rule: 'orders > 0', destinations: ['crm'] }
    expect(problemsOf({ destinations: [hook, hook], audiences: [audience, audience] })).toEqual([
      'destinations: duplicate id crm',
      'audiences: duplicate id dormant',
    ])
  })
})

describe('activation file: unknown keys', () => {
  const hook = { id: 'crm', type: 'webhook', url: 'https://crm.example/hook' }
  it('refuses them wherever they are, naming each, instead of dropping them', () => {
    const problems = problemsOf({
      destinations: [{ ...hook, secret: 'whsec_x', batchsize: 50 }],
      audiences: [{ id: 'a', rule: 'orders > 1', destination: ['crm'] }],
      triggers: [{ id: 't', event: 'Order Completed', destinations: ['crm'], cooldown: 1 }],
      audience: [],
    })
    expect(problems).toHaveLength(4)
    for (const key of ['secret', 'batchsize', 'destination', 'cooldown', 'audience'])
      expect(problems.join('\n')).toContain(`"${key}"`)
    // A secret pasted into the file is named, never repeated.
    expect(problems.join('\n')).not.toContain('whsec_x')
  })

  it('refuses ids that would climb out of an export directory, and over-long names', () => {
    expect(problemsOf({ destinations: [{ id: '../../etc', type: 'file', directory: 'x' }] })).toEqual([
      expect.stringMatching(/^destinations\.0\.id: /),
    ])
    expect(problemsOf({ audiences: [{ id: 'a', name: 'n'.repeat(201), rule: 'orders > 1' }] })).toEqual([
      expect.stringMatching(/^audiences\.0\.name: /),
    ])
  })
})

describe('activation file: metadata addresses', () => {
  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://2852039166/', // 169.254.169.254 as one number: the URL parser normalises it
    'http://[fe80::1]/hook',
    'http://[::ffff:169.254.169.254]/',
    'http://[fd00:ec2::254]/',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://METADATA.GOOGLE.INTERNAL./',
  ])('refuses %s', (url) => {
    expect(problemsOf(webhook(url))).toEqual([
      expect.stringMatching(/^destinations\.0\.url: a link-local or cloud metadata/),
    ])
  })

  it.each([
    'http://10.0.0.7/hook',
    'http://192.168.1.20:9999/hook',
    'http://[::1]:9999/hook',
    'http://localhost/hook',
  ])('accepts the private or loopback receiver %s (self-hosted)', (url) => {
    expect(problemsOf(webhook(url))).toEqual([])
  })
})
