// What the signed-in account may see and do, from the policy's answer (`me.can`): the
// workstation hides, rather than disables, what the account has no right to. The server
// decides every request again; this only keeps the screen to what will work.

/** `{triage, export, inbox, zones, audit, insider, containers, telemetry, targeting, plan, lists, listChange, entities}` for `account` (from `api.me()`), given the
 * event types of the registry (`api.eventTypes()`). */
export function rightsOf(account, types = {}) {
  const can = (resource, action = 'read') => (account?.can?.[resource] ?? []).includes(action);
  // security-domain alerts (insider look-ups) exist only when such a type is registered
  const securityTypes = Object.values(types).filter((t) => t.domain === 'security');
  return {
    triage: can('alert', 'change'),
    export: can('export'),
    inbox: can('alert') || (can('security_event') && securityTypes.length > 0),
    zones: can('zone', 'change'),
    audit: can('audit'),
    insider: can('security_event') && 'insider_lookup' in types,
    containers: can('container'),
    telemetry: can('telemetry'),
    targeting: can('inspection'),
    plan: can('inspection', 'change'),
    lists: can('lists'),
    listChange: can('lists', 'change'),
    entities: can('entity'),
  };
}
