/**
 * Docker cannot run where the tests run: this reads docker/ against the code instead. Every
 * variable the compose file and the Dockerfiles set must be one the service's config schema reads,
 * the resulting environment must load with the service's real config loader, and the ports the
 * files publish, expose, proxy to and health-check must be the ports the services listen on.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CLI_ENV_VARS, loadCliConfig } from '../apps/sillage/src/config.js'
import { COLLECTOR_SERVICE_ENV_VARS, loadCollectorServiceConfig } from '../services/collector/src/config.js'
import { IDENTITY_SERVICE_ENV_VARS, loadIdentityConfig } from '../services/identity/src/config.js'
import { ACTIVATION_SERVICE_ENV_VARS, loadActivationConfig } from '../services/activation/src/config.js'
import { PROFILES_SERVICE_ENV_VARS, loadProfilesServiceConfig } from '../services/profiles/src/config.js'
import { ADMIN_SERVICE_ENV_VARS, loadAdminConfig } from '../services/admin/src/config.js'
import {
  DASHBOARD_SERVER_ENV_VARS,
  loadDashboardServerConfig,
} from '../apps/sillage/src/dashboard-server/config.js'
import { COMMANDS } from '../apps/sillage/src/commands/registry.js'
import { repoRoot } from './helpers/pipeline.js'
import { parseYamlSubset, type YamlValue } from './helpers/yaml-subset.js'

/** sources.example.json with its placeholders filled in, as an operator does (as shipped, it is refused). */
const filledDir = mkdtempSync(join(tmpdir(), 'sillage-docker-'))
afterAll(() => rmSync(filledDir, { recursive: true, force: true }))
function filledExample(example: string): string {
  const file = join(filledDir, 'sources.json')
  writeFileSync(file, readFileSync(example, 'utf8').replaceAll('REPLACE_ME', 'set_by_the_operator'))
  return file
}

type Obj = { [key: string]: YamlValue }
const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8')
const obj = (v: YamlValue | undefined, what: string): Obj => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${what} is not a mapping`)
  return v
}
const list = (v: YamlValue | undefined): YamlValue[] => (Array.isArray(v) ? v : [])

const compose = obj(parseYamlSubset(read('docker/compose.yaml')), 'compose.yaml')
const services = obj(compose['services'], 'services')
const service = (name: string) => obj(services[name], `service ${name}`)

/** `${VAR:-default}` gives the default, `${VAR:?message}` a stand-in value, as an operator would set. */
function interpolate(value: string): string {
  return value.replace(
    /\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g,
    (_m, _name: string, op?: string, arg?: string) =>
      op === '-' ? (arg ?? '') : 'set_by_the_operator_0123456789',
  )
}
const interpolated = (s: Obj) =>
  Object.fromEntries(
    Object.entries(obj(s['environment'], 'environment')).map(([k, v]) => [k, interpolate(String(v ?? ''))]),
  )

interface Dockerfile {
  text: string
  env: Record<string, string>
  expose: string[]
  healthcheck: string
  user: string | undefined
  cmd: string[]
}
function dockerfile(path: string): Dockerfile {
  const text = read(path).replace(/\\\n/g, ' ')
  const lines = text.split('\n').map((l) => l.trim())
  // The runtime stage: the last FROM and what follows it.
  const runtime = lines.slice(lines.map((l) => l.startsWith('FROM ')).lastIndexOf(true))
  const env: Record<string, string> = {}
  for (const l of runtime.filter((l) => l.startsWith('ENV '))) {
    for (const m of l.slice(4).matchAll(/([A-Z0-9_]+)=(\S+)/g)) env[m[1]!] = m[2]!
  }
  const cmd = runtime.find((l) => l.startsWith('CMD '))
  return {
    text,
    env,
    expose: runtime.filter((l) => l.startsWith('EXPOSE ')).flatMap((l) => l.slice(7).trim().split(/\s+/)),
    healthcheck: runtime.find((l) => l.startsWith('HEALTHCHECK ')) ?? '',
    user: runtime
      .filter((l) => l.startsWith('USER '))
      .at(-1)
      ?.slice(5)
      .trim(),
    cmd: cmd ? (JSON.parse(cmd.slice(4)) as string[]) : [],
  }
}

/** The host file that a container path is mounted from (a bind mount of it or of its directory). */
function hostPath(s: Obj, containerPath: string): string {
  for (const v of list(s['volumes'])) {
    const [host, target] = String(v).split(':')
    if (!host?.startsWith('.') || !target) continue
    if (containerPath === target) return join(repoRoot, 'docker', host)
    if (containerPath.startsWith(`${target}/`))
      return join(repoRoot, 'docker', host, containerPath.slice(target.length + 1))
  }
  throw new Error(`${containerPath} is not mounted from the host`)
}

/** Read by Node and libraries, not by Sillage's config. */
const RUNTIME_ENV = new Set(['NODE_ENV'])

const packageManager = (JSON.parse(read('package.json')) as { packageManager: string }).packageManager

describe('docker/compose.yaml and the Dockerfiles', () => {
  const collector = service('collector')
  const identity = service('identity')
  const cli = service('cli')
  const activation = service('activation')
  const profiles = service('profiles')
  // Looked up leniently so that, without it, each test below fails on its own (not the whole file).
  const admin = obj(services['admin'] ?? {}, 'service admin')
  const dashboard = obj(services['dashboard'] ?? {}, 'service dashboard')
  const collectorFile = dockerfile('docker/collector.Dockerfile')
  const identityFile = dockerfile('docker/identity.Dockerfile')
  /** The identity image's ENV but its SILLAGE_BUS: the dashboard reads no bus. */
  const dashboardImageEnv = Object.fromEntries(
    Object.entries(identityFile.env).filter(([k]) => k !== 'SILLAGE_BUS'),
  )
  /** The profiles environment, its mounted sources file read from the example beside it. */
  const profilesEnv = () => {
    const env = { ...identityFile.env, ...interpolated(profiles) }
    env['SILLAGE_SOURCES_FILE'] = filledExample(
      hostPath(profiles, env['SILLAGE_SOURCES_FILE']!).replace(/sources\.json$/, 'sources.example.json'),
    )
    return env
  }

  it('builds each service from its Dockerfile, and the cli from the identity image', () => {
    expect(obj(collector['build'], 'build')).toEqual({
      context: '..',
      dockerfile: 'docker/collector.Dockerfile',
    })
    expect(obj(identity['build'], 'build')).toEqual({
      context: '..',
      dockerfile: 'docker/identity.Dockerfile',
    })
    expect(cli['image']).toBe(identity['image'])
    expect(list(cli['entrypoint'])).toEqual(['sillage'])
  })

  it('runs activation from the identity image, with its own entry point, which that image builds', () => {
    expect(activation['image']).toBe(identity['image'])
    const command = list(activation['command']).map(String)
    expect(command).toEqual(['node', 'services/activation/dist/main.js'])
    expect(existsSync(join(repoRoot, 'services/activation/src/main.ts'))).toBe(true)
    expect(identityFile.text).toContain('services/activation')
    expect(identityFile.text).toContain('--filter "@sillage/activation..."')
  })

  it('the activation environment loads with its config loader, and its ops port is the one exposed and checked', () => {
    const config = loadActivationConfig({ ...identityFile.env, ...interpolated(activation) })
    expect(config.bus.kind).toBe('kafka')
    expect(config.clickhouse.url).toBe('http://clickhouse:8123')
    expect(config.metrics.host).toBe('0.0.0.0')
    const port = String(config.metrics.port)
    expect(list(activation['expose'])).toEqual([port])
    // The image's health check reads the same variable.
    expect(identityFile.healthcheck).toContain('process.env.SILLAGE_METRICS_PORT')
    expect(config.shutdownTimeoutMs).toBeLessThan(parseSeconds(activation['stop_grace_period']) * 1000)
  })

  it("activation serves its admin API (the operator's token) on the host's loopback, and reads a mounted activation file", () => {
    const config = loadActivationConfig({ ...identityFile.env, ...interpolated(activation) })
    expect(config.adminToken).toBe('set_by_the_operator_0123456789')
    expect(config.http.host).toBe('0.0.0.0')
    expect(list(activation['ports'])).toEqual([`127.0.0.1:${config.http.port}:${config.http.port}`])
    expect(String(config.http.port)).not.toBe(String(config.metrics.port))
    // The collector's token: one admin token for the deployment.
    expect(interpolated(activation)['SILLAGE_ADMIN_TOKEN']).toBe(
      interpolated(collector)['SILLAGE_ADMIN_TOKEN'],
    )
    expect(hostPath(activation, config.activation.file)).toBe(join(repoRoot, 'docker/config/audiences.json'))
  })

  it('runs the profile API from the identity image, which builds it; its ports are the ones it listens on', () => {
    expect(profiles['image']).toBe(identity['image'])
    expect(list(profiles['command']).map(String)).toEqual(['node', 'services/profiles/dist/main.js'])
    expect(identityFile.text).toContain('services/profiles')
    expect(identityFile.text).toContain('--filter "@sillage/profiles..."')
    const config = loadProfilesServiceConfig(profilesEnv())
    expect(config.bus.kind).toBe('kafka')
    expect(config.clickhouse.url).toBe('http://clickhouse:8123')
    expect(config.http.host).toBe('0.0.0.0')
    expect(list(profiles['ports'])).toEqual([`127.0.0.1:${config.http.port}:${config.http.port}`])
    expect(list(profiles['expose'])).toEqual([String(config.metrics.port)])
    expect(config.shutdownTimeoutMs).toBeLessThan(parseSeconds(profiles['stop_grace_period']) * 1000)
    // The collector's sources and token: the browser route and the read-key check need them.
    expect(config.browserSources.map((s) => s.id)).toEqual(['web'])
    expect(config.adminToken).toBe(interpolated(collector)['SILLAGE_ADMIN_TOKEN'])
    expect(hostPath(profiles, interpolated(profiles)['SILLAGE_SOURCES_FILE']!)).toBe(
      hostPath(collector, interpolated(collector)['SILLAGE_SOURCES_FILE']!),
    )
  })

  it('runs the privacy admin API from the identity image, which builds it, on the loopback, with its own health check', () => {
    expect(admin['image']).toBe(identity['image'])
    expect(list(admin['command']).map(String)).toEqual(['node', 'services/admin/dist/main.js'])
    expect(identityFile.text).toContain('services/admin')
    expect(identityFile.text).toContain('--filter "@sillage/admin..."')
    const config = loadAdminConfig({ ...identityFile.env, ...interpolated(admin) })
    expect(config.bus.kind).toBe('kafka')
    expect(config.clickhouse.url).toBe('http://clickhouse:8123')
    expect(config.host).toBe('0.0.0.0')
    expect(list(admin['ports'])).toEqual([`127.0.0.1:${config.port}:${config.port}`])
    expect(config.adminToken).toBe(interpolated(collector)['SILLAGE_ADMIN_TOKEN'])
    // Identifiers in requests normalise as identity stored them.
    expect(interpolated(admin)['SILLAGE_IDENTITY_RULES']).toBe(
      interpolated(identity)['SILLAGE_IDENTITY_RULES'],
    )
    // /metrics on its operations port; the check asks the API's own /healthz, up once it serves.
    expect(list(admin['expose'])).toEqual([String(config.metrics.port)])
    const check = list(obj(admin['healthcheck'], 'healthcheck')['test']).map(String)
    expect(check.slice(0, 3)).toEqual(['CMD', 'node', '-e'])
    expect(check[3]).toContain(`process.env.SILLAGE_ADMIN_PORT || ${config.port}`)
    expect(check[3]).toContain('/healthz')
    expect(config.shutdownTimeoutMs).toBeLessThan(parseSeconds(admin['stop_grace_period']) * 1000)
  })

  it('runs the retail dashboard (`sillage dashboard`) from the identity image, which builds the CLI; the proxy routes /dashboard/ to it', () => {
    expect(dashboard['image']).toBe(identity['image'])
    expect(list(dashboard['command']).map(String)).toEqual(['node', 'apps/sillage/dist/main.js', 'dashboard'])
    expect(existsSync(join(repoRoot, 'apps/sillage/src/main.ts'))).toBe(true)
    expect(Object.keys(COMMANDS)).toContain('dashboard')
    expect(identityFile.text).toMatch(/tsc -b [^\n]*apps\/sillage\b/)
    expect(identityFile.text).toContain('--filter "@sillage/cli..."')
    const env = { ...dashboardImageEnv, ...interpolated(dashboard) }
    const config = loadDashboardServerConfig(env)
    expect(config.clickhouse.url).toBe('http://clickhouse:8123')
    expect(config.host).toBe('0.0.0.0')
    expect(config.metrics.host).toBe('0.0.0.0')
    expect(list(dashboard['expose'])).toEqual([String(config.port), String(config.metrics.port)])
    expect(dashboard['ports']).toBeUndefined() // public through the proxy only
    expect(config.adminToken).toBe(interpolated(collector)['SILLAGE_ADMIN_TOKEN'])
    expect(config.analystToken).toBeUndefined() // ${SILLAGE_ANALYST_TOKEN:-}: unset unless the operator sets it
    // The proxy's address: its X-Forwarded-Proto makes the session cookie Secure.
    const proxy = service('proxy')
    expect(config.trustProxy).toEqual([
      obj(obj(proxy['networks'], 'networks')['default'], 'default')['ipv4_address'],
    ])
    expect(list(proxy['depends_on'])).toContain('dashboard')
    const nginx = read('docker/nginx.conf')
    expect(nginx).toMatch(new RegExp(`server dashboard:${config.port} resolve;`))
    expect(nginx).toMatch(/location \/dashboard\/ \{\s*proxy_pass http:\/\/dashboards;/)
    // Activation's file: the reactivation audience of dormant customers.
    expect(hostPath(dashboard, config.audiencesFile)).toBe(join(repoRoot, 'docker/config/audiences.json'))
    // The check asks the dashboard's own /healthz; it waits for admin's migrations.
    const check = list(obj(dashboard['healthcheck'], 'healthcheck')['test']).map(String)
    expect(check.slice(0, 3)).toEqual(['CMD', 'node', '-e'])
    expect(check[3]).toContain(`process.env.SILLAGE_DASHBOARD_PORT || ${config.port}`)
    expect(check[3]).toContain('/healthz')
    expect(obj(obj(dashboard['depends_on'], 'depends_on')['admin'], 'admin')['condition']).toBe(
      'service_healthy',
    )
    expect(config.shutdownTimeoutMs).toBeLessThan(parseSeconds(dashboard['stop_grace_period']) * 1000)
  })

  it('runs every service that has a main.ts, from a dist/main.js its image builds', () => {
    const images: Record<string, Dockerfile> = {
      [String(collector['image'])]: collectorFile,
      [String(identity['image'])]: identityFile,
    }
    const run = new Map<string, Dockerfile>()
    for (const [name, v] of Object.entries(services)) {
      const s = obj(v, name)
      const file = images[String(s['image'])]
      if (!file) continue
      const command = s['command'] === undefined ? file.cmd : list(s['command']).map(String)
      if (s['entrypoint'] === undefined) run.set(command.join(' '), file)
    }
    const mains = readdirSync(join(repoRoot, 'services')).filter((d) =>
      existsSync(join(repoRoot, 'services', d, 'src/main.ts')),
    )
    expect(mains.length).toBeGreaterThan(4)
    for (const dir of mains) {
      const file = run.get(`node services/${dir}/dist/main.js`)
      expect(file, `services/${dir} runs in docker/compose.yaml`).toBeDefined()
      const pkg = (JSON.parse(read(`services/${dir}/package.json`)) as { name: string }).name
      expect(file!.text).toMatch(new RegExp(`tsc -b [^\n]*services/${dir}\\b`))
      expect(file!.text).toContain(`--filter "${pkg}..."`)
    }
  })

  it('restarts every long-running service', () => {
    for (const [name, v] of Object.entries(services)) {
      const s = obj(v, name)
      if (list(s['profiles']).length > 0) continue // run on demand (cli)
      expect(s['restart'], `${name}: restart`).toBe('unless-stopped')
    }
  })

  it("the cli's audiences and destinations commands read the activation service's file", () => {
    const env = { ...identityFile.env, ...interpolated(cli) }
    env['SILLAGE_SOURCES_FILE'] = filledExample(
      hostPath(cli, env['SILLAGE_SOURCES_FILE']!).replace(/sources\.json$/, 'sources.example.json'),
    )
    const fromCli = loadCliConfig(env).activation.file
    const fromActivation = loadActivationConfig({ ...identityFile.env, ...interpolated(activation) })
      .activation.file
    expect(hostPath(cli, fromCli)).toBe(hostPath(activation, fromActivation))
  })

  it('Prometheus scrapes each service at the port it serves /metrics on; the public proxy does not serve it', () => {
    const prometheus = obj(parseYamlSubset(read('docker/prometheus/prometheus.yml')), 'prometheus.yml')
    const scraped: Record<string, string> = {}
    for (const job of list(prometheus['scrape_configs'])) {
      const j = obj(job, 'scrape config')
      expect(j['metrics_path'] ?? '/metrics').toBe('/metrics')
      for (const sd of list(j['dns_sd_configs'])) {
        const d = obj(sd, 'dns_sd_config')
        for (const name of list(d['names'])) scraped[String(name)] = String(d['port'])
      }
    }
    const serve = (s: Obj) => ({ ...identityFile.env, ...interpolated(s) })
    expect(scraped).toEqual({
      collector: String(
        loadCollectorServiceConfig({
          ...collectorFile.env,
          ...interpolated(collector),
          SILLAGE_SOURCES: '[]',
          SILLAGE_SOURCES_FILE: '',
        }).collector.port,
      ),
      identity: String(loadIdentityConfig(serve(identity)).metrics.port),
      activation: String(loadActivationConfig(serve(activation)).metrics.port),
      profiles: String(loadProfilesServiceConfig(profilesEnv()).metrics.port),
      admin: String(loadAdminConfig(serve(admin)).metrics.port),
      dashboard: String(loadDashboardServerConfig(serve(dashboard)).metrics.port),
    })
    // Prometheus reaches each collector replica directly; through the proxy, /metrics is refused.
    expect(read('docker/nginx.conf')).toMatch(/location = \/metrics \{\s*return 404;\s*\}/)
  })

  it.each([
    ['collector', collector, collectorFile.env, COLLECTOR_SERVICE_ENV_VARS],
    ['identity', identity, identityFile.env, IDENTITY_SERVICE_ENV_VARS],
    ['activation', activation, identityFile.env, ACTIVATION_SERVICE_ENV_VARS],
    ['profiles', profiles, identityFile.env, PROFILES_SERVICE_ENV_VARS],
    // The identity image's own ENV (its operations port) is for the services that have one; the
    // cli sets its own.
    ['admin', admin, identityFile.env, ADMIN_SERVICE_ENV_VARS],
    ['cli', cli, {}, CLI_ENV_VARS],
    ['dashboard', dashboard, dashboardImageEnv, DASHBOARD_SERVER_ENV_VARS],
  ] as const)('%s: every variable set is one its config schema reads', (_name, s, imageEnv, known) => {
    const set = [...Object.keys(obj(s['environment'], 'environment')), ...Object.keys(imageEnv)]
    expect(set.length).toBeGreaterThan(3)
    for (const variable of set) {
      if (RUNTIME_ENV.has(variable)) continue
      expect(known, `${variable} is read by no config schema`).toContain(variable)
    }
  })

  it('the collector environment loads with its config loader, and its port is the one exposed, proxied to and checked', () => {
    const env = { ...collectorFile.env, ...interpolated(collector) }
    env['SILLAGE_SOURCES_FILE'] = filledExample(
      hostPath(collector, env['SILLAGE_SOURCES_FILE']!).replace(/sources\.json$/, 'sources.example.json'),
    )
    const config = loadCollectorServiceConfig(env)
    expect(config.bus.kind).toBe('kafka')
    expect(config.collector.host).toBe('0.0.0.0')
    expect(config.collector.sources.map((s) => s.id)).toEqual(['web', 'backend'])
    expect(config.collector.adminToken).toBeDefined()
    const port = String(config.collector.port)
    expect(list(collector['expose'])).toEqual([port])
    expect(collectorFile.expose).toEqual([port])
    expect(collectorFile.healthcheck).toContain('/healthz')
    expect(collectorFile.healthcheck).toContain(`process.env.SILLAGE_PORT || ${port}`)
    expect(read('docker/nginx.conf')).toMatch(new RegExp(`server collector:${port} resolve;`))
    // The proxy is the address the collector believes for X-Forwarded-For.
    const proxy = service('proxy')
    expect(list(proxy['ports'])).toEqual(['8080:8080'])
    expect(obj(obj(proxy['networks'], 'networks')['default'], 'default')['ipv4_address']).toBe(
      config.collector.trustProxy.toString(),
    )
    // Behind the proxy the shutdown has to fit in compose's grace period.
    expect(config.shutdownTimeoutMs).toBeLessThan(parseSeconds(collector['stop_grace_period']) * 1000)
  })

  it('the identity environment loads with its config loader, and its ops port is the one exposed and checked', () => {
    const config = loadIdentityConfig({ ...identityFile.env, ...interpolated(identity) })
    expect(config.bus.kind).toBe('kafka')
    expect(config.clickhouse.url).toBe('http://clickhouse:8123')
    expect(config.metrics.host).toBe('0.0.0.0')
    const port = String(config.metrics.port)
    expect(list(identity['expose'])).toEqual([port])
    expect(identityFile.expose).toEqual([port])
    expect(identityFile.healthcheck).toContain('/healthz')
    expect(identityFile.healthcheck).toContain(`process.env.SILLAGE_METRICS_PORT || ${port}`)
    expect(config.shutdownTimeoutMs).toBeLessThan(parseSeconds(identity['stop_grace_period']) * 1000)
  })

  it('the cli environment loads with the CLI config loader', () => {
    const env = { ...identityFile.env, ...interpolated(cli) }
    env['SILLAGE_SOURCES_FILE'] = filledExample(
      hostPath(cli, env['SILLAGE_SOURCES_FILE']!).replace(/sources\.json$/, 'sources.example.json'),
    )
    const config = loadCliConfig(env)
    expect(config.bus.kafkaBrokers).toEqual(['kafka:9092'])
    expect(config.collector.sources).toHaveLength(2)
  })

  it('services reach Kafka and ClickHouse where compose runs them, with the credentials ClickHouse was given', () => {
    const kafka = interpolated(service('kafka'))
    const clickhouse = interpolated(service('clickhouse'))
    for (const s of [collector, identity, activation, profiles, admin, cli]) {
      const env = interpolated(s)
      for (const broker of env['KAFKA_BROKERS']!.split(','))
        expect(kafka['KAFKA_ADVERTISED_LISTENERS']).toContain(broker)
      expect(env['SILLAGE_RAW_PARTITIONS']).toBe(interpolated(collector)['SILLAGE_RAW_PARTITIONS'])
    }
    for (const s of [identity, activation, profiles, admin, cli, dashboard]) {
      const env = interpolated(s)
      expect(env['CLICKHOUSE_URL']).toBe('http://clickhouse:8123')
      expect(env['CLICKHOUSE_USER']).toBe(clickhouse['CLICKHOUSE_USER'])
      expect(env['CLICKHOUSE_PASSWORD']).toBe(clickhouse['CLICKHOUSE_PASSWORD'])
      expect(env['CLICKHOUSE_DATABASE']).toBe(clickhouse['CLICKHOUSE_DB'])
    }
    expect(kafka['KAFKA_AUTO_CREATE_TOPICS_ENABLE']).toBe('false')
  })

  it.each([
    ['docker/collector.Dockerfile', collectorFile, '@sillage/collector', 'services/collector'],
    ['docker/identity.Dockerfile', identityFile, '@sillage/identity', 'services/identity'],
  ] as const)(
    '%s: node slim, the pinned pnpm, production deps, non-root, no secrets, a real entry point',
    (_p, file, pkg, dir) => {
      expect(file.text).toMatch(/^FROM node:\$\{NODE_VERSION\}-bookworm-slim AS base$/m)
      // corepack 0.36 cannot install the pinned pnpm ("No compatible signature found in package
      // metadata"): npm installs the version package.json's packageManager names.
      expect(file.text).not.toMatch(/^RUN .*corepack/m)
      expect(file.text).toContain(
        `RUN npm install --global "$(node -p 'require("./package.json").packageManager')"`,
      )
      expect(file.text).toMatch(/&& pnpm install --frozen-lockfile\n/)
      // docker/ (the operator's .env, config/) and any .env never reach the runtime stage.
      expect(file.text).toMatch(/&& rm -rf \.git\* \.env\* tests bench docs scripts docker\b/)
      // pnpm's version comes from package.json's packageManager only.
      for (const m of file.text.matchAll(/pnpm@([\d.]+)/g)) expect(`pnpm@${m[1]}`).toBe(packageManager)
      expect(file.text).toContain(`--prod --offline --filter "${pkg}..."`)
      expect((JSON.parse(read(`${dir}/package.json`)) as { name: string }).name).toBe(pkg)
      expect(file.user).toBe('node')
      expect(file.cmd).toEqual(['node', `${dir}/dist/main.js`])
      expect(existsSync(join(repoRoot, dir, 'src/main.ts'))).toBe(true)
    },
  )

  it('ships what the collector reads at run time: the debugger page and the browser SDK', () => {
    const ignored = read('.dockerignore')
    expect(ignored).not.toMatch(/^services\/collector\/debugger/m)
    expect(existsSync(join(repoRoot, 'services/collector/debugger/index.html'))).toBe(true)
    expect(collectorFile.text).toContain('node packages/sdk-browser/build.mjs')
  })

  it("keeps the operator's .env (the admin token, the ClickHouse password) out of the build context", () => {
    const ignored = read('.dockerignore').split('\n')
    expect(ignored).toContain('**/.env')
    expect(ignored).toContain('**/.env.*')
  })

  it('documents every variable an operator sets (${…} in compose.yaml) in docs/deployment.md', () => {
    const doc = read('docs/deployment.md')
    const variables = new Set(
      [...read('docker/compose.yaml').matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!),
    )
    expect(variables.size).toBeGreaterThan(0)
    for (const v of variables) expect(doc, `${v} in docs/deployment.md`).toContain(`\`${v}\``)
  })
})

function parseSeconds(v: YamlValue | undefined): number {
  const m = /^(\d+)s$/.exec(String(v))
  if (!m) throw new Error(`${String(v)} is not a duration in seconds`)
  return Number(m[1])
}

describe('the YAML subset parser', () => {
  it('reads block mappings, sequences, quoted and flow scalars, and refuses what it does not know', () => {
    expect(
      parseYamlSubset(
        'a:\n  b: "x: y" # note\n  c:\n    - one\n    - k: v\n      l: w\n  d: [\'p\', "q", r]\n  e:\n',
      ),
    ).toEqual({ a: { b: 'x: y', c: ['one', { k: 'v', l: 'w' }], d: ['p', 'q', 'r'], e: null } })
    expect(() => parseYamlSubset('a: &anchor x\n')).toThrow(/subset/)
    expect(() => parseYamlSubset('a: |\n  text\n')).toThrow(/subset/)
    expect(() => parseYamlSubset('a: 1\na: 2\n')).toThrow(/duplicate/)
    expect(() => parseYamlSubset('a:\n  b: 1\n   c: 2\n')).toThrow(/indentation/)
  })
})
