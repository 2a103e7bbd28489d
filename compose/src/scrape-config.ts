/**
 * vmagent's scrape config for the launcher's monitoring stack:
 * compose/monitoring/scrape.yml as it is, except that with API_TLS or
 * PRODUCTION the API answers https only, so its job asks for https and
 * trusts the local CA. The file itself stays plain: the alerting tests use
 * it as it is, with an API they do not run.
 */
export interface ScrapeTls {
  /** The CA the API's certificate chains to (STATE_DIR/tls/ca.crt). */
  readonly apiCaFile: string;
}

export function renderScrapeConfig(text: string, tls: ScrapeTls | undefined): string {
  if (!tls) return text;
  const job = /^( *)- job_name: api\n/m.exec(text);
  if (!job) throw new Error('the scrape config has no "- job_name: api" job to put on https');
  const indent = `${job[1] ?? ''}  `;
  const at = job.index + job[0].length;
  // JSON's quoting is YAML's double-quoted string: any path stays one scalar.
  const https = `${indent}scheme: https\n${indent}tls_config:\n${indent}  ca_file: ${JSON.stringify(tls.apiCaFile)}\n`;
  return `${text.slice(0, at)}${https}${text.slice(at)}`;
}
