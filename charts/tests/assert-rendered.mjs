// Assertions on the manifests the chart renders, one value set at a time. Run by
// scripts/check-chart, which renders each value set with `helm template` and turns the YAML into
// JSON (the workspace has no YAML library; python3's does the conversion):
//
//   node charts/tests/assert-rendered.mjs --values values.json --set minimal=minimal.json ...
//
// values.json is the chart's own values.yaml (it names the services and the topics they consume);
// each --set is NAME=FILE with a JSON array of the rendered objects. The set's name chooses the
// expectations: minimal (dev cluster), production, keda (a ScaledObject per consumer, no HPA).
// Prints one line per set and every failed assertion; exits 1 if any failed.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const sets = [];
let values;
for (let i = 0; i < args.length; i += 2) {
  if (args[i] === '--values') values = JSON.parse(readFileSync(args[i + 1], 'utf8'));
  else if (args[i] === '--set') {
    const [name, file] = args[i + 1].split('=');
    sets.push({ name, objects: JSON.parse(readFileSync(file, 'utf8')) });
  } else throw new Error(`unknown argument ${args[i]}`);
}
if (!values || sets.length === 0) throw new Error('usage: --values FILE --set NAME=FILE ...');

const services = Object.keys(values.services);
const consumes = Object.fromEntries(services.map((s) => [s, values.services[s].kafka?.consumes ?? []]));
const consumers = services.filter((s) => consumes[s].length > 0);
// Settings that are credentials: never a literal value, never in a ConfigMap.
const SECRET_SETTINGS = ['MONGODB_URL', 'REDIS_URL', 'KAFKA_SASL_PASSWORD', 'PII_ENCRYPTION_KEY', 'PII_HASH_KEY'];
const RECOMMENDED_LABELS = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/version',
  'app.kubernetes.io/component',
  'app.kubernetes.io/part-of',
  'app.kubernetes.io/managed-by',
  'helm.sh/chart',
];

let failures = 0;

function checkSet({ name: set, objects }) {
  let passed = 0;
  const fail = (msg) => {
    failures++;
    console.error(`  FAIL [${set}] ${msg}`);
  };
  const check = (ok, msg) => (ok ? passed++ : fail(msg));

  const ofKind = (kind) => objects.filter((o) => o.kind === kind);
  const serviceOf = (o) => o.metadata?.labels?.['app.kubernetes.io/name'];
  const byService = (kind) => Object.fromEntries(ofKind(kind).map((o) => [serviceOf(o), o]));
  const matches = (selector, labels) =>
    Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v) &&
    (selector?.matchExpressions ?? []).every((e) => e.operator === 'In' && e.values.includes(labels?.[e.key]));

  const deployments = byService('Deployment');
  const configMaps = byService('ConfigMap');

  // Every object: the recommended labels; no Secret anywhere.
  for (const o of objects) {
    const missing = RECOMMENDED_LABELS.filter((l) => !o.metadata?.labels?.[l]);
    check(missing.length === 0, `${o.kind}/${o.metadata?.name} lacks labels ${missing.join(', ')}`);
  }
  check(ofKind('Secret').length === 0, 'a Secret is rendered: the chart must only reference Secrets');

  // Every service: its Deployment, Service, ServiceAccount, ConfigMap and migrate Job.
  for (const svc of services) {
    for (const kind of ['Deployment', 'Service', 'ServiceAccount', 'ConfigMap', 'Job']) {
      check(byService(kind)[svc], `service ${svc} has no ${kind}`);
    }
  }

  // Pods: hardened, probed, bounded, configured by reference.
  const checkPod = (what, pod, { serving }) => {
    const psc = pod.securityContext ?? {};
    check(psc.runAsNonRoot === true && psc.runAsUser === 10001, `${what}: pod must run as non-root uid 10001`);
    check(psc.seccompProfile?.type === 'RuntimeDefault', `${what}: seccompProfile RuntimeDefault`);
    check(pod.automountServiceAccountToken === false, `${what}: automountServiceAccountToken must be false`);
    for (const c of pod.containers) {
      const where = `${what} container ${c.name}`;
      const sc = c.securityContext ?? {};
      check(sc.runAsNonRoot === true, `${where}: runAsNonRoot`);
      check(sc.readOnlyRootFilesystem === true, `${where}: readOnlyRootFilesystem`);
      check(sc.allowPrivilegeEscalation === false, `${where}: allowPrivilegeEscalation false`);
      check(sc.capabilities?.drop?.includes('ALL'), `${where}: capabilities drop ALL`);
      for (const kind of ['requests', 'limits']) {
        check(c.resources?.[kind]?.cpu && c.resources?.[kind]?.memory, `${where}: resources.${kind} cpu and memory`);
      }
      const tmp = (c.volumeMounts ?? []).find((m) => m.mountPath === '/tmp');
      check(tmp && pod.volumes?.find((v) => v.name === tmp.name)?.emptyDir, `${where}: /tmp is an emptyDir`);
      if (serving) {
        check(c.livenessProbe?.httpGet?.path === '/healthz', `${where}: liveness probe on /healthz`);
        check(c.readinessProbe?.httpGet?.path === '/readyz', `${where}: readiness probe on /readyz`);
        check(c.ports?.some((p) => p.containerPort === 8080 && p.name === 'http'), `${where}: port 8080 named http`);
      }
      for (const e of c.env ?? []) {
        if (SECRET_SETTINGS.includes(e.name)) {
          check(e.valueFrom?.secretKeyRef?.name && e.value === undefined, `${where}: ${e.name} must come from a Secret`);
        }
      }
      const fromSecret = new Set((c.env ?? []).filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.name));
      for (const required of ['MONGODB_URL', 'REDIS_URL']) {
        check(fromSecret.has(required), `${where}: ${required} from a Secret`);
      }
    }
  };

  for (const [svc, d] of Object.entries(deployments)) {
    const pod = d.spec.template.spec;
    checkPod(`Deployment ${svc}`, pod, { serving: true });
    const ru = d.spec.strategy?.rollingUpdate;
    check(ru?.maxUnavailable === 0 && ru?.maxSurge === '25%', `Deployment ${svc}: RollingUpdate maxUnavailable 0, maxSurge 25%`);
    check(
      /^[a-f0-9]{64}$/.test(d.spec.template.metadata.annotations?.['checksum/config'] ?? ''),
      `Deployment ${svc}: checksum/config annotation on the pod template`,
    );
    check(
      pod.containers[0].envFrom?.some((e) => e.configMapRef?.name === configMaps[svc]?.metadata.name),
      `Deployment ${svc}: settings from its ConfigMap`,
    );
    check(pod.serviceAccountName === byService('ServiceAccount')[svc]?.metadata.name, `Deployment ${svc}: own ServiceAccount`);
    const data = configMaps[svc]?.data ?? {};
    const drainMs = Number(data.SHUTDOWN_DELAY_MS) + Number(data.SHUTDOWN_TIMEOUT_MS);
    check(
      pod.terminationGracePeriodSeconds * 1000 > drainMs,
      `Deployment ${svc}: terminationGracePeriodSeconds must exceed SHUTDOWN_DELAY_MS + SHUTDOWN_TIMEOUT_MS`,
    );
    check(!pod.containers.some((c) => c.lifecycle?.preStop), `Deployment ${svc}: no preStop hook (the service drains itself)`);
    check(matches(d.spec.selector, d.spec.template.metadata.labels), `Deployment ${svc}: selector matches its pod labels`);
  }

  for (const [svc, cm] of Object.entries(configMaps)) {
    const data = cm.data ?? {};
    for (const key of SECRET_SETTINGS) check(!(key in data), `ConfigMap ${svc}: holds ${key}, a credential`);
    check(data.SERVICE_NAME === svc, `ConfigMap ${svc}: SERVICE_NAME`);
    check(data.HTTP_PORT === '8080', `ConfigMap ${svc}: HTTP_PORT 8080`);
    check(data.KAFKA_CREATE_TOPICS === 'false', `ConfigMap ${svc}: KAFKA_CREATE_TOPICS false (the migrate Job creates them)`);
    check(Number(data.SHUTDOWN_DELAY_MS) >= 1000, `ConfigMap ${svc}: SHUTDOWN_DELAY_MS set so endpoints drain`);
  }

  // The migrate Jobs: hooks, hardened, running `main.ts migrate`.
  for (const [svc, job] of Object.entries(byService('Job'))) {
    const hook = job.metadata.annotations?.['helm.sh/hook'] ?? '';
    check(hook.includes('pre-install') && hook.includes('pre-upgrade'), `Job ${svc}: a pre-install,pre-upgrade hook`);
    const c = job.spec.template.spec.containers[0];
    check(
      [...(c.command ?? []), ...(c.args ?? [])].join(' ') === `node services/${svc}/src/main.ts migrate`,
      `Job ${svc}: runs node services/${svc}/src/main.ts migrate`,
    );
    checkPod(`Job ${svc}`, job.spec.template.spec, { serving: false });
  }

  // Autoscalers: at most one per Deployment, and then the Deployment leaves replicas to it.
  const hpas = ofKind('HorizontalPodAutoscaler');
  const scaledObjects = ofKind('ScaledObject');
  for (const d of Object.values(deployments)) {
    const owners = [...hpas, ...scaledObjects].filter((a) => a.spec.scaleTargetRef.name === d.metadata.name);
    check(owners.length <= 1, `Deployment ${d.metadata.name}: ${owners.length} autoscalers (HPA and ScaledObject clash)`);
    if (owners.length === 1) check(d.spec.replicas === undefined, `Deployment ${d.metadata.name}: replicas set although autoscaled`);
  }
  for (const a of [...hpas, ...scaledObjects]) {
    check(
      Object.values(deployments).some((d) => d.metadata.name === a.spec.scaleTargetRef.name),
      `${a.kind} ${a.metadata.name} targets a missing Deployment`,
    );
  }
  for (const pdb of ofKind('PodDisruptionBudget')) {
    check(
      Object.values(deployments).some((d) => matches(pdb.spec.selector, d.spec.template.metadata.labels)),
      `PodDisruptionBudget ${pdb.metadata.name} selects no Deployment's pods`,
    );
  }
  for (const s of ofKind('Service')) {
    check(
      Object.values(deployments).some((d) => matches({ matchLabels: s.spec.selector }, d.spec.template.metadata.labels)),
      `Service ${s.metadata.name} selects no Deployment's pods`,
    );
  }

  // NetworkPolicies: each selects its service's pods (and the migrate Job's), denies by default.
  const policies = byService('NetworkPolicy');
  for (const [svc, np] of Object.entries(policies)) {
    check(np.spec.policyTypes?.includes('Ingress') && np.spec.policyTypes?.includes('Egress'), `NetworkPolicy ${svc}: both directions`);
    check(matches(np.spec.podSelector, deployments[svc]?.spec.template.metadata.labels), `NetworkPolicy ${svc}: selects the pods`);
    check(matches(np.spec.podSelector, byService('Job')[svc]?.spec.template.metadata.labels), `NetworkPolicy ${svc}: selects the migrate Job`);
    const ingressPorts = (np.spec.ingress ?? []).flatMap((r) => r.ports ?? []).map((p) => p.port);
    check(ingressPorts.length > 0 && ingressPorts.every((p) => p === 8080), `NetworkPolicy ${svc}: ingress only to 8080`);
    const egressPorts = (np.spec.egress ?? []).flatMap((r) => r.ports ?? []);
    check(egressPorts.some((p) => p.port === 53 && p.protocol === 'UDP'), `NetworkPolicy ${svc}: DNS allowed out`);
    check((np.spec.egress ?? []).every((r) => r.ports?.length), `NetworkPolicy ${svc}: every egress rule names ports`);
  }

  // Per value set.
  const each = (kind, why) => {
    const present = byService(kind);
    for (const svc of services) check(present[svc], `service ${svc} has no ${kind} (${why})`);
  };
  if (set === 'minimal') {
    for (const d of Object.values(deployments)) check(d.spec.replicas === 1, `Deployment ${d.metadata.name}: one replica`);
    for (const kind of ['HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy', 'ScaledObject']) {
      check(ofKind(kind).length === 0, `minimal renders a ${kind}`);
    }
  }
  if (set.startsWith('production')) {
    each('PodDisruptionBudget', 'production');
    each('NetworkPolicy', 'production');
    each('Ingress', 'production');
    each('ServiceMonitor', 'production');
    for (const [svc, np] of Object.entries(policies)) {
      // No egress to "any address" in production: every rule names its peers.
      check((np.spec.egress ?? []).every((r) => r.to?.length), `NetworkPolicy ${svc}: an egress rule without peers`);
      const from = (np.spec.ingress ?? []).flatMap((r) => r.from ?? []);
      check(
        from.some((p) => p.namespaceSelector?.matchLabels?.['employment.gov/district-system'] === 'true'),
        `NetworkPolicy ${svc}: district systems allowed in`,
      );
    }
    for (const s of ofKind('ServiceMonitor')) {
      check(s.spec.endpoints.some((e) => e.path === '/metrics' && e.port === 'http'), `ServiceMonitor ${s.metadata.name}: /metrics`);
    }
  }
  if (set === 'production') {
    each('HorizontalPodAutoscaler', 'production');
    for (const h of hpas) check(h.spec.minReplicas >= 2, `HPA ${h.metadata.name}: at least two replicas`);
  }
  if (set === 'keda' || set === 'production+keda') {
    const bySvc = byService('ScaledObject');
    for (const svc of consumers) {
      const so = bySvc[svc];
      check(so, `consumer ${svc} has no ScaledObject`);
      if (!so) continue;
      const kafka = so.spec.triggers.filter((t) => t.type === 'kafka');
      check(kafka.length > 0, `ScaledObject ${svc}: a kafka trigger`);
      for (const t of kafka) {
        check(t.metadata.consumerGroup === svc, `ScaledObject ${svc}: consumer group ${svc}`);
        check(t.metadata.bootstrapServers || t.metadata.bootstrapServersFromEnv, `ScaledObject ${svc}: bootstrap servers`);
        if (t.authenticationRef) {
          check(
            ofKind('TriggerAuthentication').some((a) => a.metadata.name === t.authenticationRef.name),
            `ScaledObject ${svc}: TriggerAuthentication ${t.authenticationRef.name} exists`,
          );
        }
      }
      const topics = kafka.map((t) => t.metadata.topic).sort();
      check(
        JSON.stringify(topics) === JSON.stringify([...consumes[svc]].sort()),
        `ScaledObject ${svc}: lag on ${consumes[svc].join(', ')} (got ${topics.join(', ')})`,
      );
    }
    check(hpas.every((h) => !consumers.some((s) => h.metadata.name === bySvc[s]?.spec.scaleTargetRef.name)), 'an HPA beside a ScaledObject');
  }

  const kinds = {};
  for (const o of objects) kinds[o.kind] = (kinds[o.kind] ?? 0) + 1;
  const summary = Object.entries(kinds)
    .sort()
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  console.log(`  ${set}: ${passed} assertions passed on ${objects.length} objects (${summary})`);
}

for (const set of sets) checkSet(set);
if (failures > 0) {
  console.error(`${failures} assertion(s) failed`);
  process.exit(1);
}
