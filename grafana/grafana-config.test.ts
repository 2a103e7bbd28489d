// Grafana's configuration as code, held to the keys Grafana documents for
// the version compose pins (grafana-10.4-keys.json, sources listed in it):
// a misspelt key is silently ignored by Grafana, so it must fail here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const here = new URL('.', import.meta.url).pathname;
const repo = join(here, '..');
const keys = JSON.parse(readFileSync(join(here, 'grafana-10.4-keys.json'), 'utf8')) as {
  version: string;
  ini: Record<string, string[]>;
  datasourcesFile: string[];
  datasource: string[];
  prometheusJsonData: string[];
  dashboardsFile: string[];
  dashboardProvider: string[];
  dashboardProviderOptions: string[];
};

/** Grafana's INI: `[section]`, `key = value`, `;` and `#` comments. */
function parseIni(text: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let section = '';
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line || line.startsWith(';') || line.startsWith('#')) continue;
    const head = /^\[([a-z0-9_.]+)\]$/.exec(line);
    if (head) {
      section = head[1] ?? '';
      assert.ok(!out.has(section), `grafana.ini:${i + 1}: [${section}] twice`);
      out.set(section, new Map());
      continue;
    }
    const kv = /^([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(line);
    assert.ok(kv && section, `grafana.ini:${i + 1}: not a key = value line in a section: ${line}`);
    const s = out.get(section);
    assert.ok(!s?.has(kv[1] ?? ''), `grafana.ini:${i + 1}: ${kv[1]} twice`);
    s?.set(kv[1] ?? '', kv[2] ?? '');
  }
  return out;
}

const only = (what: string, have: string[], allowed: string[]): void => {
  const unknown = have.filter((k) => !allowed.includes(k));
  assert.deepEqual(unknown, [], `${what}: keys Grafana ${keys.version} does not document`);
};

test('compose pins the Grafana version the key list is for', () => {
  for (const file of ['compose/docker-compose.yml', 'compose/docker-compose.monitoring.yml']) {
    const images = [...readFileSync(join(repo, file), 'utf8').matchAll(/image: grafana\/grafana:(\S+)/g)];
    assert.ok(images.length > 0, `${file} runs a Grafana`);
    for (const m of images) assert.ok(m[1]?.startsWith(`${keys.version}.`), `${file}: grafana ${m[1]}`);
  }
});

test('grafana.ini: every section and key is documented; sign-in is the API’s OpenID Connect with refresh tokens', () => {
  const ini = parseIni(readFileSync(join(here, 'grafana.ini'), 'utf8'));
  for (const [section, entries] of ini) {
    assert.ok(keys.ini[section], `[${section}] is not a documented section`);
    only(`[${section}]`, [...entries.keys()], keys.ini[section] ?? []);
  }
  const oauth = ini.get('auth.generic_oauth');
  assert.equal(oauth?.get('enabled'), 'true');
  assert.equal(oauth?.get('use_refresh_token'), 'true');
  assert.equal(oauth?.get('allow_sign_up'), 'true');
  assert.equal(oauth?.get('client_id'), 'grafana');
  assert.equal(oauth?.get('scopes'), 'openid email profile offline_access household');
  assert.match(oauth?.get('auth_url') ?? '', /\/oidc\/auth$/);
  assert.match(oauth?.get('token_url') ?? '', /\/oidc\/token$/);
  assert.equal(ini.get('users')?.get('allow_sign_up'), 'false', 'no accounts but the API’s');
  assert.equal(ini.get('auth.anonymous')?.get('enabled'), 'false');
});

test('provisioning YAML: documented keys only; the households’ datasource forwards the member’s token', () => {
  const hh = parse(readFileSync(join(here, 'provisioning/datasources/energy-api.yml'), 'utf8')) as {
    datasources: Record<string, unknown>[];
  };
  const ops = parse(readFileSync(join(repo, 'compose/monitoring/grafana/datasources.yml'), 'utf8')) as {
    datasources: Record<string, unknown>[];
  };
  for (const [name, file] of [
    ['energy-api.yml', hh],
    ['monitoring datasources.yml', ops],
  ] as const) {
    only(name, Object.keys(file), keys.datasourcesFile);
    for (const ds of file.datasources) {
      only(`${name}: ${String(ds.name)}`, Object.keys(ds), keys.datasource);
      if (ds.type === 'prometheus' && ds.jsonData)
        only(`${name}: ${String(ds.name)} jsonData`, Object.keys(ds.jsonData), keys.prometheusJsonData);
    }
  }
  const [api] = hh.datasources;
  assert.equal(api?.uid, 'energy-api', 'the uid HttpGrafana makes in further organisations');
  assert.equal((api?.jsonData as { oauthPassThru?: boolean }).oauthPassThru, true);
  assert.match(String(api?.url), /\/prometheus$/);
  assert.equal(api?.basicAuth, undefined, 'no stored credential: the member’s own token is forwarded');

  const boards = parse(readFileSync(join(repo, 'compose/monitoring/grafana/dashboards.yml'), 'utf8')) as {
    providers: Record<string, unknown>[];
  };
  only('dashboards.yml', Object.keys(boards), keys.dashboardsFile);
  for (const p of boards.providers) {
    only('dashboards.yml provider', Object.keys(p), keys.dashboardProvider);
    only('dashboards.yml provider options', Object.keys(p.options as object), keys.dashboardProviderOptions);
  }
});
