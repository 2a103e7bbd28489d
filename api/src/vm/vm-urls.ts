/**
 * VictoriaMetrics' URL layout. A single node serves everything at its root;
 * the cluster splits by path and tenant (docs.victoriametrics.com, Cluster
 * version, URL format):
 *   vminsert  /insert/<tenant>/prometheus/api/v1/write
 *   vmselect  /select/<tenant>/prometheus/api/v1/query…
 *   vmselect  /delete/<tenant>/prometheus/api/v1/admin/tsdb/delete_series
 * The API reads with VM_URL; deletion needs the `/delete/` path, which is
 * derived here when VM_URL has the cluster's select layout and VM_DELETE_URL
 * is not given.
 */
const SELECT_PATH = /^(.*)\/select\/([^/]+)\/prometheus\/?$/;

/** The base under which `/api/v1/admin/tsdb/delete_series` lives for this read URL. */
export function vmDeleteBase(vmUrl: string): string {
  const u = new URL(vmUrl);
  const m = SELECT_PATH.exec(u.pathname);
  if (m) u.pathname = `${m[1] ?? ''}/delete/${m[2] ?? '0'}/prometheus`;
  return u.toString().replace(/\/$/, '');
}
