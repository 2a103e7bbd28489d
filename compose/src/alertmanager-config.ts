/** Values for compose/monitoring/alertmanager.yml.tmpl (Alertmanager expands no variables itself). */
export interface AlertmanagerTemplateVars {
  readonly brokerAuthPort: number;
  readonly brokerAuthSecret: string;
  /** Undefined: the operators receiver keeps no integration; alerts stay visible in Alertmanager. */
  readonly operatorsWebhookUrl?: string;
  /** The dead man's switch that gets the Watchdog; undefined: the Watchdog is only listed in Alertmanager. */
  readonly deadmanUrl?: string;
}

export function renderAlertmanagerConfig(template: string, vars: AlertmanagerTemplateVars): string {
  let text = template;
  if (vars.operatorsWebhookUrl === undefined) {
    text = text.replace(/^[ \t]*# BEGIN operators-webhook\n[\s\S]*?^[ \t]*# END operators-webhook\n/m, '');
  }
  if (vars.deadmanUrl === undefined) {
    text = text.replace(/^[ \t]*# BEGIN deadman-webhook\n[\s\S]*?^[ \t]*# END deadman-webhook\n/m, '');
  }
  const values: Record<string, string> = {
    BROKER_AUTH_PORT: String(vars.brokerAuthPort),
    BROKER_AUTH_SECRET: encodeURIComponent(vars.brokerAuthSecret),
    OPERATORS_WEBHOOK_URL: vars.operatorsWebhookUrl ?? '',
    DEADMAN_URL: vars.deadmanUrl ?? '',
  };
  return text.replace(/\$\{([A-Z_]+)\}/g, (whole, name: string) => values[name] ?? whole);
}
