// Fetches the official Kafka broker artifacts from Maven Central, once per version: a tiny POM of
// packaging `pom` and `mvn dependency:copy-dependencies`. The POM of kafka_2.13 carries no logging
// backend, so log4j2 and its SLF4J 1.x binding are added here.

import { spawnSync } from 'node:child_process'
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'

/** Kafka 4.2: KRaft only, still accepts every protocol version kafkajs 2.2.4 speaks (KIP-896). */
export const KAFKA_VERSION = '4.2.2'
/** Kafka 4.2 is built against log4j2 2.25.x and slf4j 1.7.36; its POM carries no logging backend. */
export const LOG4J_VERSION = '2.25.3'
const SLF4J_VERSION = '1.7.36'
const DEPENDENCY_PLUGIN_VERSION = '3.8.1'

const REQUIRED_CLASSES = ['kafka/Kafka.class', 'kafka/tools/StorageTool.class']
const REQUIRED_JARS = [
  `kafka_2.13-${KAFKA_VERSION}.jar`,
  `log4j-core-${LOG4J_VERSION}.jar`,
  `log4j-slf4j-impl-${LOG4J_VERSION}.jar`,
]

/** Makes `libsDir` hold a sane copy of the broker's runtime classpath, fetching it when needed. */
export function ensureLibs({ libsDir, fetchDir }, log) {
  if (libsSane(libsDir)) return
  const t0 = Date.now()
  log(`fetching org.apache.kafka:kafka_2.13:${KAFKA_VERSION} with Maven into ${libsDir}`)
  rmSync(fetchDir, { recursive: true, force: true })
  mkdirSync(fetchDir, { recursive: true })
  const out = join(fetchDir, 'libs')
  writeFileSync(join(fetchDir, 'pom.xml'), fetchPom())
  const mvn = spawnSync(
    'mvn',
    ['-q', '-B', 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${out}`],
    { cwd: fetchDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  )
  if (mvn.error) throw new Error(`cannot run mvn: ${mvn.error.message}`, { cause: mvn.error })
  if (mvn.status !== 0) {
    throw new Error(`mvn exited with ${mvn.status}:\n${tail(`${mvn.stdout}\n${mvn.stderr}`, 40)}`)
  }
  if (!libsSane(out)) throw new Error(`the fetched libs in ${out} lack the Kafka broker or its logging jars`)
  rmSync(libsDir, { recursive: true, force: true })
  renameSync(out, libsDir)
  rmSync(fetchDir, { recursive: true, force: true })
  log(`fetched ${readdirSync(libsDir).length} jars in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
}

function fetchPom() {
  const dep = (g, a, v) =>
    `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.sillage</groupId>
  <artifactId>kafka-broker-runtime</artifactId>
  <version>${KAFKA_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
${[
  dep('org.apache.kafka', 'kafka_2.13', KAFKA_VERSION),
  dep('org.apache.logging.log4j', 'log4j-api', LOG4J_VERSION),
  dep('org.apache.logging.log4j', 'log4j-core', LOG4J_VERSION),
  dep('org.apache.logging.log4j', 'log4j-slf4j-impl', LOG4J_VERSION),
  dep('org.slf4j', 'slf4j-api', SLF4J_VERSION),
].join('\n')}
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>${DEPENDENCY_PLUGIN_VERSION}</version>
      </plugin>
    </plugins>
  </build>
</project>
`
}

/** The libs folder holds the broker jar with both entry points, and the logging backend. */
function libsSane(dir) {
  if (!existsSync(dir)) return false
  const names = new Set(readdirSync(dir))
  if (!REQUIRED_JARS.every((jar) => names.has(jar))) return false
  try {
    const entries = zipEntryNames(join(dir, `kafka_2.13-${KAFKA_VERSION}.jar`))
    return REQUIRED_CLASSES.every((cls) => entries.has(cls))
  } catch {
    return false
  }
}

/** File names from a zip's central directory (what `unzip -l` lists). */
function zipEntryNames(file) {
  const fd = openSync(file, 'r')
  try {
    const size = statSync(file).size
    const tailLen = Math.min(size, 65_557) // end-of-central-directory record plus the longest comment
    const tailBuf = Buffer.alloc(tailLen)
    readSync(fd, tailBuf, 0, tailLen, size - tailLen)
    const eocd = tailBuf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
    if (eocd < 0) throw new Error(`${file}: not a zip file`)
    const count = tailBuf.readUInt16LE(eocd + 10)
    const cdSize = tailBuf.readUInt32LE(eocd + 12)
    const cdOffset = tailBuf.readUInt32LE(eocd + 16)
    const cd = Buffer.alloc(cdSize)
    readSync(fd, cd, 0, cdSize, cdOffset)
    const names = new Set()
    for (let i = 0, pos = 0; i < count; i++) {
      if (cd.readUInt32LE(pos) !== 0x02014b50) throw new Error(`${file}: corrupt central directory`)
      const nameLen = cd.readUInt16LE(pos + 28)
      const extraLen = cd.readUInt16LE(pos + 30)
      const commentLen = cd.readUInt16LE(pos + 32)
      names.add(cd.toString('utf8', pos + 46, pos + 46 + nameLen))
      pos += 46 + nameLen + extraLen + commentLen
    }
    return names
  } finally {
    closeSync(fd)
  }
}

function tail(text, lines) {
  return text.trimEnd().split('\n').slice(-lines).join('\n')
}
