/**
 * `energy-exporter pair <code>`: fetches this Pi's broker credentials with
 * the short code shown in the portal and writes them to the config file.
 * Env: ENERGY_API_URL (default http://127.0.0.1:8080), EXPORTER_CONFIG.
 */
import { BROKER_CA_FILE_NAME, fetchPairing, writeCredentials } from './pairing.js';

const code = process.argv[2] ?? process.env.PAIRING_CODE;
const api = process.env.ENERGY_API_URL ?? 'http://127.0.0.1:8080';
const configPath = process.env.EXPORTER_CONFIG ?? 'energy-exporter.json';
if (!code) {
  process.stderr.write('usage: pair <code>   (env ENERGY_API_URL, EXPORTER_CONFIG)\n');
  process.exit(2);
}
try {
  const p = await fetchPairing(api, code);
  writeCredentials(configPath, p, api);
  process.stdout.write(
    `paired as ${p.broker.username} (${p.name}); credentials written to ${configPath}` +
      `${p.broker.ca ? ` (the broker's CA beside it, ${BROKER_CA_FILE_NAME})` : ''}\n`,
  );
} catch (err) {
  process.stderr.write(`pairing failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
