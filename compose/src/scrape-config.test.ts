import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { freePort } from '@energy/lib/services/index';
import { startVmagent } from '@energy/lib/services/monitoring';
import { ensureLocalCa, ensureServerCert } from '@energy/lib/services/tls-ca';
import { MONITORING } from './repo-paths.js';
import { renderScrapeConfig } from './scrape-config.js';

interface Job {
  job_name: string;
  scheme?: string;
  tls_config?: { ca_file: string };
  static_configs: { targets: string[] }[];
}
const jobs = (text: string): Job[] => (parse(text) as { scrape_configs: Job[] }).scrape_configs;
const scratch = mkdtempSync('/tmp/energy-scrape-tls-');
after(() => rmSync(scratch, { recursive: true, force: true }));

test('with the API on TLS only its scrape job asks for https and trusts the CA; without, scrape.yml is unchanged', () => {
  const plain = readFileSync(MONITORING.scrapeConfig, 'utf8');
  assert.equal(renderScrapeConfig(plain, undefined), plain);
  const tls = jobs(renderScrapeConfig(plain, { apiCaFile: '/srv/energy state/tls/ca.crt' }));
  const api = tls.find((j) => j.job_name === 'api');
  assert.equal(api?.scheme, 'https');
  assert.equal(api?.tls_config?.ca_file, '/srv/energy state/tls/ca.crt');
  assert.deepEqual(api?.static_configs, [{ targets: ['%{API_TARGET}'] }]);
  // Every other job as it was.
  const others = (js: Job[]) => js.filter((j) => j.job_name !== 'api');
  assert.deepEqual(others(tls), others(jobs(plain)));
  assert.throws(
    () => renderScrapeConfig('scrape_configs: []\n', { apiCaFile: '/x' }),
    /no "- job_name: api"/,
  );
});

test('vmagent scrapes an https API with the rendered config and the local CA', async () => {
  const ca = await ensureLocalCa(join(scratch, 'tls'));
  const cert = await ensureServerCert(ca, 'api');
  const api = createServer(
    { cert: readFileSync(cert.certFile), key: readFileSync(cert.keyFile) },
    (_req, res) => res.end('api_up_probe 1\n'),
  );
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  after(() => api.close());
  const apiPort = (api.address() as AddressInfo).port;

  const configFile = join(scratch, 'scrape.yml');
  writeFileSync(
    configFile,
    renderScrapeConfig(readFileSync(MONITORING.scrapeConfig, 'utf8'), { apiCaFile: ca.caCertFile }),
  );
  const port = await freePort();
  const absent = `127.0.0.1:${await freePort()}`;
  const vmagent = await startVmagent({
    port,
    scrapeConfigFile: configFile,
    remoteWriteUrl: `http://${absent}/api/v1/write`,
    tmpDataPath: join(scratch, 'vmagent'),
    logFile: join(scratch, 'vmagent.log'),
    env: {
      SCRAPE_INTERVAL: '1s',
      API_TARGET: `127.0.0.1:${apiPort}`,
      ...Object.fromEntries(
        [
          'COLLECTOR_TARGET',
          'EXPORTER_TARGET',
          'RABBITMQ_PROMETHEUS_TARGET',
          'VM_TARGET',
          'MONITORING_VM_TARGET',
          'VMAGENT_TARGET',
          'VMALERT_OPERATORS_TARGET',
          'VMALERT_HOUSEHOLDS_TARGET',
          'ALERTMANAGER_TARGET',
        ].map((v) => [v, absent]),
      ),
    },
  });
  after(() => vmagent.stop());

  // vmagent's own view of the target: up once a scrape over TLS verified the certificate.
  let last = '';
  for (let i = 0; i < 150; i++) {
    const r = await fetch(`http://127.0.0.1:${port}/api/v1/targets`);
    const body = (await r.json()) as {
      data: {
        activeTargets: { labels: { job: string }; health: string; lastError: string; scrapeUrl: string }[];
      };
    };
    const t = body.data.activeTargets.find((x) => x.labels.job === 'api');
    last = JSON.stringify(t);
    if (t?.health === 'up') {
      assert.match(t.scrapeUrl, /^https:/);
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`vmagent never scraped the https API: ${last}`);
});
