// Assertions on the manifests the chart renders, one value set at a time, and on how the chart's
// values match the repository. Run by scripts/check-chart, which renders each value set with
// `helm template`, turns the YAML into JSON (the workspace has no YAML library; python3's does
// the conversion) and writes each set's effective values (values.yaml with the set's files
// merged over it, as Helm does):
//
//   node charts/tests/assert-rendered.mjs --root REPO --values values.json \
//     --set minimal=minimal.json:minimal.values.json ...
//
// values.json is the chart's own values.yaml; each --set is NAME=RENDERED:VALUES, a JSON array of
// the rendered objects and the set's effective values. Most expectations follow the effective
// values; the set's name adds its own: minimal (dev cluster), production*, keda (a ScaledObject
// per consumer, no HPA). Prints one line per set and every failed assertion; exits 1 if any failed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const sets = [];
let values;
let root = fileURLToPath(new URL('../..', import.meta.url));
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
for (let i = 0; i < args.length; i += 2) {
  if (args[i] === '--values') values = readJson(args[i + 1]);
  else if (args[i] === '--root') root = args[i + 1];
  else if (args[i] === '--set') {
    const [name, files] = args[i + 1].split('=');
    const [rendered, effective] = files.split(':');
    if (!effective) throw new Error(`--set ${name}: expected NAME=RENDERED.json:VALUES.json`);
    sets.push({ name, objects: readJson(rendered), values: readJson(effective) });
  } else throw new Error(`unknown argument ${args[i]}`);
}
if (!values || sets.length === 0) throw new Error('usage: [--root DIR] --values FILE --set NAME=RENDERED:VALUES ...');

// A service's values: services.<name> deep-merged over serviceDefaults, lists replacing lists
// (the chart's ep.merge).
const isMap = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const merge = (base, over) => {
  const out = structuredClone(base ?? {});
  for (const [k, v] of Object.entries(over ?? {})) out[k] = isMap(v) && isMap(out[k]) ? merge(out[k], v) : structuredClone(v);
  return out;
};
const serviceValues = (vals, name) => merge(vals.serviceDefaults, vals.services[name] ?? {});
const sameSet = (a, b) => JSON.stringify([...new Set(a)].sort()) === JSON.stringify([...new Set(b)].sort());
const pairs = (groups) => (groups ?? []).flatMap((g) => g.topics.map((t) => `${g.name} <- ${t}`));
const source = (file) => {
  const path = join(root, file);
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
};

// The shared configuration schema (core's), to check that what the chart renders is what a service accepts.
const kitConfig = await import(pathToFileURL(join(root, 'packages/core/src/config.ts')).href);
/** Credentials the chart takes from Secrets, as stand-ins, so a ConfigMap can be checked alone. */
const SECRET_STAND_INS = {
  MONGODB_URL: 'mongodb://stand-in:27017',
  REDIS_URL: 'redis://stand-in:6379',
  KAFKA_BROKERS: 'stand-in:9092',
  AUTH_JWKS_URL: 'https://stand-in/jwks.json',
};
/** JSON with object keys sorted, to compare what Helm's toJson wrote with the values. */
const canonical = (value) =>
  JSON.stringify(value, (_k, v) => (isMap(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));

const services = Object.keys(values.services);
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

// How a service names its consumer groups and their topics from its settings (a ConfigMap's data,
// or a service's env in the values; the code's defaults where unset), for services whose code
// derives the names. `code` is what must still be in the source for the rule to hold, so a rule
// that no longer matches the service fails instead of passing. A service without a rule must use
// each group's name as a literal in its source.
const CONSUMER_NAMING = {
  residents: {
    groups: (env) => {
      const prefix = env.CONSUMER_GROUP_PREFIX ?? 'residents';
      const residents = env.RESIDENTS_EVENTS_TOPIC ?? 'employment.residents.v1';
      const jobs = env.JOBS_EVENTS_TOPIC ?? 'employment.jobs.v1';
      return [`${prefix}-community-stats <- ${residents}`, `${prefix}-households <- ${residents}`, `${prefix}-placements <- ${jobs}`];
    },
    code: {
      'services/residents/src/config.ts': [
        /CONSUMER_GROUP_PREFIX: z[^;]*?\.default\('residents'\)/,
        /RESIDENTS_EVENTS_TOPIC: z\.string\(\)\.min\(1\)\.default\(Topics\.residents\)/,
        /JOBS_EVENTS_TOPIC: z\.string\(\)\.min\(1\)\.default\(Topics\.jobs\)/,
      ],
      'services/residents/src/entry-points/messaging/community-stats.ts': [
        /communityStats: `\$\{prefix\}-community-stats`/,
        /households: `\$\{prefix\}-households`/,
        /placements: `\$\{prefix\}-placements`/,
      ],
      'services/residents/src/service.ts': [
        /consumerGroups\(config\.CONSUMER_GROUP_PREFIX\)/,
        /topic: config\.RESIDENTS_EVENTS_TOPIC,\s*groupId: groups\.communityStats/,
        /topic: config\.RESIDENTS_EVENTS_TOPIC,\s*groupId: groups\.households/,
        /topic: config\.JOBS_EVENTS_TOPIC,\s*groupId: groups\.placements/,
      ],
      'packages/contracts/src/index.ts': [/residents: 'employment\.residents\.v1'/, /jobs: 'employment\.jobs\.v1'/],
    },
  },
  jobs: {
    groups: (env) => [`${env.CANDIDATES_CONSUMER_GROUP ?? 'jobs-candidates'} <- ${env.RESIDENTS_EVENTS_TOPIC ?? 'employment.residents.v1'}`],
    code: {
      'services/jobs/src/config.ts': [
        /CANDIDATES_CONSUMER_GROUP: z[^;]*?\.default\('jobs-candidates'\)/,
        /RESIDENTS_EVENTS_TOPIC: z\.string\(\)\.min\(1\)\.default\(Topics\.residents\)/,
      ],
      'services/jobs/src/service.ts': [/groupId: config\.CANDIDATES_CONSUMER_GROUP,\s*topic: config\.RESIDENTS_EVENTS_TOPIC/],
      'packages/contracts/src/index.ts': [/residents: 'employment\.residents\.v1'/],
    },
  },
};

// The API path prefixes a service serves: `/v1/<first segment>` of every path of its HTTP API as
// committed in services/<name>/api-surface.txt (a unit test keeps that file equal to the service's
// OpenAPI document, and the service's component tests keep the document equal to its routes).
const apiPrefixes = (svc) => {
  const surface = source(`services/${svc}/api-surface.txt`);
  const found = new Set();
  for (const m of surface.matchAll(/^[A-Z]+ (\/v1\/[A-Za-z0-9._~-]+)/gm)) found.add(m[1]);
  return [...found].sort();
};

let failures = 0;
const checker = (set) => {
  const counter = { passed: 0 };
  counter.check = (ok, msg) => {
    if (ok) counter.passed++;
    else {
      failures++;
      console.error(`  FAIL [${set}] ${msg}`);
    }
  };
  return counter;
};

// The chart's values.yaml against the repository: the services, their routes and consumer groups.
function checkRepository() {
  const counter = checker('repository');
  const { check } = counter;

  // Every service of the repository (a folder services/<name> with a src/main.ts, services/_*
  // left out; the one Dockerfile builds each) is a service of the chart, and the other way round.
  const inRepository = readdirSync(join(root, 'services'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('_') && existsSync(join(root, 'services', d.name, 'src', 'main.ts')))
    .map((d) => d.name);
  for (const dir of inRepository) check(services.includes(dir), `services/${dir} is a service but has no entry in values.yaml services`);
  for (const svc of services) check(inRepository.includes(svc), `values.yaml services.${svc} has no services/${svc}/src/main.ts`);

  const owners = {};
  for (const svc of services) {
    const v = serviceValues(values, svc);

    // The Ingress paths are exactly the API prefixes the code serves.
    const prefixes = apiPrefixes(svc);
    check(prefixes.length > 0, `services/${svc}: no /v1/ path in services/${svc}/api-surface.txt`);
    const paths = v.ingress?.paths ?? [];
    check(
      sameSet(paths, prefixes) && paths.length === new Set(paths).size,
      `services.${svc}.ingress.paths must be the API prefixes the code serves: want ${prefixes.join(', ')}; got ${paths.join(', ')}`,
    );

    // The consumer groups are the ones the code uses with the service's env.
    const groups = v.kafka?.consumerGroups ?? [];
    const got = pairs(groups);
    const rule = CONSUMER_NAMING[svc];
    if (rule) {
      const want = rule.groups(Object.fromEntries(Object.entries(v.env ?? {}).map(([k, x]) => [k, String(x)])));
      check(sameSet(got, want), `services.${svc}.kafka.consumerGroups: want ${want.join('; ')}; got ${got.join('; ') || 'none'}`);
      for (const [file, patterns] of Object.entries(rule.code)) {
        const text = source(file);
        for (const re of patterns) check(re.test(text), `the consumer naming rule of ${svc} is stale: ${file} no longer matches ${re}`);
      }
    } else {
      const text = listSources(join(root, 'services', svc, 'src')).map((f) => readFileSync(f, 'utf8')).join('\n');
      for (const g of groups) {
        check(new RegExp(`['"\`]${g.name.replace(/[.]/g, '\\.')}['"\`]`).test(text), `services.${svc}.kafka.consumerGroups: ${g.name} is not a literal in services/${svc}/src (or add a naming rule to CONSUMER_NAMING)`);
      }
    }
    const consumersInCode = (source(`services/${svc}/src/service.ts`).match(/\bgroupId:/g) ?? []).length;
    check(
      consumersInCode === groups.length,
      `services.${svc}.kafka.consumerGroups lists ${groups.length} groups; services/${svc}/src/service.ts starts ${consumersInCode} consumers`,
    );
    for (const g of groups) {
      check(!owners[g.name], `consumer group ${g.name} is listed by both ${owners[g.name]} and ${svc}`);
      owners[g.name] ??= svc;
    }
  }
  console.log(`  repository: ${counter.passed} assertions passed (${services.length} services: ${services.join(', ')})`);
}

// The .ts files under a folder, tests excluded.
function listSources(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? listSources(join(dir, d.name)) : d.name.endsWith('.ts') && !d.name.endsWith('.test.ts') ? [join(dir, d.name)] : [],
  );
}

function checkSet({ name: set, objects, values: effective }) {
  const counter = checker(set);
  const { check } = counter;
  // The services this set deploys, with their merged values.
  const svcValues = Object.fromEntries(Object.keys(effective.services).map((s) => [s, serviceValues(effective, s)]));
  const enabled = Object.keys(svcValues).filter((s) => svcValues[s].enabled !== false);
  const consumers = enabled.filter((s) => (svcValues[s].kafka?.consumerGroups ?? []).length > 0);

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
  for (const svc of enabled) {
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
    // Limits and token rules as the values say, in the form the kit reads (docs/security.md).
    const c = effective.config;
    check(
      data.RATE_LIMIT_CLIENT_QUOTAS !== undefined &&
        canonical(JSON.parse(data.RATE_LIMIT_CLIENT_QUOTAS)) === canonical(c.rateLimitClientQuotas ?? {}),
      `ConfigMap ${svc}: RATE_LIMIT_CLIENT_QUOTAS is config.rateLimitClientQuotas as JSON`,
    );
    check(
      (data.HTTP_TRUSTED_PROXIES ?? '') === (c.trustedProxies ?? []).join(','),
      `ConfigMap ${svc}: HTTP_TRUSTED_PROXIES is config.trustedProxies`,
    );
    for (const [env, value] of [
      ['RATE_LIMIT_PER_MINUTE', c.rateLimitPerMinute],
      ['RATE_LIMIT_PER_ADDRESS_PER_MINUTE', c.rateLimitPerAddressPerMinute],
      ['REDIS_COMMAND_TIMEOUT_MS', c.redisCommandTimeoutMs],
      ['AUTH_MAX_TOKEN_LIFETIME_SECONDS', c.auth.maxTokenLifetimeSeconds],
      ['AUTH_CLOCK_TOLERANCE_SECONDS', c.auth.clockToleranceSeconds],
    ]) {
      check(data[env] === String(value), `ConfigMap ${svc}: ${env} is ${value}`);
    }
    try {
      kitConfig.loadConfig(kitConfig.baseConfigSchema, { ...SECRET_STAND_INS, ...data });
    } catch (err) {
      check(false, `ConfigMap ${svc}: the kit's configuration refuses it: ${err.message}`);
    }
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

  // NetworkPolicies: one per service wherever they are enabled; each selects its service's pods
  // (and the migrate Job's) and denies all but the named sources and destinations.
  const policies = byService('NetworkPolicy');
  const np = effective.networkPolicy ?? {};
  if (np.enabled) {
    for (const svc of enabled) check(policies[svc], `service ${svc} has no NetworkPolicy (networkPolicy.enabled)`);
  } else {
    check(ofKind('NetworkPolicy').length === 0, 'a NetworkPolicy is rendered although networkPolicy.enabled is false');
  }
  // A peer as the chart renders it from { cidrs, namespaceLabels, podLabels }.
  const peersOf = (p) => {
    const out = (p?.cidrs ?? []).map((cidr) => ({ ipBlock: { cidr } }));
    const ns = p?.namespaceLabels ?? {};
    const pods = p?.podLabels ?? {};
    if (Object.keys(ns).length || Object.keys(pods).length) {
      const peer = {};
      if (Object.keys(ns).length) peer.namespaceSelector = { matchLabels: ns };
      if (Object.keys(pods).length) peer.podSelector = { matchLabels: pods };
      out.push(peer);
    }
    return out;
  };
  const canon = (v) =>
    Array.isArray(v) ? v.map(canon) : isMap(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])])) : v;
  const key = (v) => JSON.stringify(canon(v));
  const ruleKey = (r) => key({ ports: (r.ports ?? []).map((p) => ({ port: p.port, protocol: p.protocol ?? 'TCP' })), to: r.to ?? [] });
  for (const [svc, policy] of Object.entries(policies)) {
    const spec = policy.spec;
    check(spec.policyTypes?.includes('Ingress') && spec.policyTypes?.includes('Egress'), `NetworkPolicy ${svc}: both directions`);
    check(matches(spec.podSelector, deployments[svc]?.spec.template.metadata.labels), `NetworkPolicy ${svc}: selects the pods`);
    check(matches(spec.podSelector, byService('Job')[svc]?.spec.template.metadata.labels), `NetworkPolicy ${svc}: selects the migrate Job`);

    // In: only to 8080, only from named peers (a rule without `from` would let anyone in), and
    // among them the ingress controller and the labelled district-system namespaces.
    const ingressPorts = (spec.ingress ?? []).flatMap((r) => r.ports ?? []).map((p) => p.port);
    check(ingressPorts.length > 0 && ingressPorts.every((p) => p === 8080), `NetworkPolicy ${svc}: ingress only to 8080`);
    check((spec.ingress ?? []).every((r) => r.from?.length), `NetworkPolicy ${svc}: an ingress rule without peers admits every source`);
    const from = new Set((spec.ingress ?? []).flatMap((r) => r.from ?? []).map(key));
    const controller = peersOf(np.ingress?.ingressController);
    check(controller.length > 0 && controller.every((p) => from.has(key(p))), `NetworkPolicy ${svc}: the ingress controller's peers allowed in`);
    const districts = peersOf(np.ingress?.districtSystems);
    check(
      districts.some((p) => p.namespaceSelector?.matchLabels?.['employment.gov/district-system'] === 'true') &&
        districts.every((p) => from.has(key(p))),
      `NetworkPolicy ${svc}: namespaces labelled employment.gov/district-system=true allowed in`,
    );

    // Out: exactly the named destinations, each on its configured ports and peers, and the
    // services this one calls; no rule without peers (that would be any address).
    const want = [];
    for (const dest of ['dns', 'kafka', 'mongodb', 'redis', 'otlp', 'auth']) {
      const d = np.egress?.[dest] ?? {};
      if (!(d.ports ?? []).length || (dest === 'otlp' && !effective.config?.otlpEndpoint)) continue;
      want.push({ ports: d.ports, to: peersOf(d) });
    }
    for (const callee of svcValues[svc].networkPolicy?.calls ?? []) {
      want.push({
        ports: [{ port: 8080 }],
        to: [
          {
            podSelector: {
              matchLabels: {
                'app.kubernetes.io/name': callee,
                'app.kubernetes.io/instance': deployments[svc]?.metadata.labels['app.kubernetes.io/instance'],
                'app.kubernetes.io/component': 'server',
              },
            },
          },
        ],
      });
    }
    const egress = spec.egress ?? [];
    check(egress.every((r) => r.to?.length), `NetworkPolicy ${svc}: an egress rule without peers (any address)`);
    check(egress.every((r) => r.ports?.length), `NetworkPolicy ${svc}: every egress rule names ports`);
    const gotRules = egress.map(ruleKey);
    const wantRules = want.map(ruleKey);
    const unexpected = gotRules.filter((r) => !wantRules.includes(r));
    const missing = wantRules.filter((r) => !gotRules.includes(r));
    check(
      unexpected.length === 0 && missing.length === 0 && egress.length === want.length,
      `NetworkPolicy ${svc}: egress must be only DNS, Kafka, MongoDB, Redis, OTLP, the identity provider and the callees, on their configured peers` +
        `${unexpected.length ? `; unexpected ${unexpected.join(' ')}` : ''}${missing.length ? `; missing ${missing.join(' ')}` : ''}`,
    );
    check(
      egress.some((r) => r.ports?.some((p) => p.port === 53 && p.protocol === 'UDP') && r.to?.some((p) => p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'kube-system')),
      `NetworkPolicy ${svc}: DNS allowed out to kube-system`,
    );
  }

  // Ingress: one host per service (a rule without a host matches every host), no host and path
  // claimed twice, every API prefix of the service routed to its Service, TLS on every host.
  const ingresses = byService('Ingress');
  const claimed = new Map();
  for (const [svc, ing] of Object.entries(ingresses)) {
    for (const rule of ing.spec.rules ?? []) {
      check(rule.host, `Ingress ${svc}: a rule without a host`);
      for (const p of rule.http?.paths ?? []) {
        const where = `${rule.host ?? '*'}${p.path}`;
        check(!claimed.has(where), `Ingress ${svc}: ${where} is also routed to ${claimed.get(where)}`);
        claimed.set(where, svc);
        check(
          p.pathType === 'Prefix' && p.backend?.service?.name === byService('Service')[svc]?.metadata.name && p.backend.service.port?.name === 'http',
          `Ingress ${svc}: ${where} goes to its Service's http port`,
        );
      }
    }
    const routed = (ing.spec.rules ?? []).flatMap((r) => (r.http?.paths ?? []).map((p) => p.path));
    const prefixes = apiPrefixes(svc);
    check(sameSet(routed, prefixes), `Ingress ${svc}: routes ${routed.join(', ')}; the service serves ${prefixes.join(', ')}`);
    if ((effective.ingress?.tls ?? []).length) {
      const tlsHosts = new Set((ing.spec.tls ?? []).flatMap((t) => t.hosts ?? []));
      for (const r of ing.spec.rules ?? []) check(tlsHosts.has(r.host), `Ingress ${svc}: host ${r.host} has no TLS entry`);
    }
  }
  for (const svc of enabled) {
    if (svcValues[svc].ingress?.enabled) check(ingresses[svc], `service ${svc} has no Ingress (ingress.enabled)`);
    else check(!ingresses[svc], `service ${svc} has an Ingress although ingress.enabled is false`);
  }

  // AUTH_JWKS_URL: from the plain value in the ConfigMap, or from the Secret or ConfigMap named in
  // config.auth.jwksUrlFrom, never both.
  const auth = effective.config?.auth ?? {};
  const ref = auth.jwksUrlFrom?.name ? auth.jwksUrlFrom : null;
  for (const [what, containers, cm] of [
    ...Object.entries(deployments).map(([svc, d]) => [`Deployment ${svc}`, d.spec.template.spec.containers, configMaps[svc]?.data ?? {}]),
    ...Object.entries(byService('Job')).map(([svc, j]) => [`Job ${svc}`, j.spec.template.spec.containers, {}]),
  ]) {
    for (const c of containers) {
      const entries = (c.env ?? []).filter((e) => e.name === 'AUTH_JWKS_URL');
      const plain = entries.filter((e) => e.value !== undefined).map((e) => e.value);
      if ('AUTH_JWKS_URL' in cm) plain.push(cm.AUTH_JWKS_URL);
      const fromRef = entries.filter((e) => e.valueFrom);
      if (ref) {
        const kind = ref.kind === 'ConfigMap' ? 'configMapKeyRef' : 'secretKeyRef';
        check(
          plain.length === 0 && fromRef.length === 1 && fromRef[0].valueFrom[kind]?.name === ref.name && fromRef[0].valueFrom[kind]?.key === ref.key,
          `${what}: AUTH_JWKS_URL only from ${ref.kind} ${ref.name} key ${ref.key}`,
        );
      } else {
        check(fromRef.length === 0 && plain.length === 1 && plain[0] === auth.jwksUrl, `${what}: AUTH_JWKS_URL is config.auth.jwksUrl (${auth.jwksUrl})`);
      }
    }
  }

  // Autoscalers as the values ask: an HPA on CPU, or a ScaledObject when KEDA is on.
  for (const svc of enabled) {
    const v = svcValues[svc];
    if (v.keda?.enabled) check(byService('ScaledObject')[svc] && !byService('HorizontalPodAutoscaler')[svc], `service ${svc}: a ScaledObject and no HPA (keda.enabled)`);
    else if (v.autoscaling?.enabled) check(byService('HorizontalPodAutoscaler')[svc], `service ${svc}: an HPA (autoscaling.enabled)`);
  }

  // Per value set.
  const each = (kind, why) => {
    const present = byService(kind);
    for (const svc of enabled) check(present[svc], `service ${svc} has no ${kind} (${why})`);
  };
  if (set === 'minimal') {
    for (const d of Object.values(deployments)) check(d.spec.replicas === 1, `Deployment ${d.metadata.name}: one replica`);
    for (const kind of ['HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy', 'ScaledObject']) {
      check(ofKind(kind).length === 0, `minimal renders a ${kind}`);
    }
  }
  if (set.startsWith('production') || set === 'keda') {
    each('PodDisruptionBudget', 'production');
    each('NetworkPolicy', 'production');
    for (const [svc, policy] of Object.entries(policies)) {
      // No destination opened to any address in production.
      const open = (policy.spec.egress ?? []).flatMap((r) => r.to ?? []).filter((p) => ['0.0.0.0/0', '::/0'].includes(p.ipBlock?.cidr));
      check(open.length === 0, `NetworkPolicy ${svc}: egress to any address`);
    }
  }
  if (set.startsWith('production')) {
    each('Ingress', 'production');
    each('ServiceMonitor', 'production');
    for (const s of ofKind('ServiceMonitor')) {
      check(s.spec.endpoints.some((e) => e.path === '/metrics' && e.port === 'http'), `ServiceMonitor ${s.metadata.name}: /metrics`);
    }
  }
  if (set === 'production') {
    each('HorizontalPodAutoscaler', 'production');
    for (const h of hpas) check(h.spec.minReplicas >= 2, `HPA ${h.metadata.name}: at least two replicas`);
  }
  if (set === 'keda' || set === 'production+keda') {
    for (const svc of consumers) check(byService('ScaledObject')[svc], `consumer ${svc} has no ScaledObject`);
  }

  // ScaledObjects: one kafka trigger per consumer group and topic, and those are the groups the
  // service really uses with the settings its ConfigMap gives it.
  for (const [svc, so] of Object.entries(byService('ScaledObject'))) {
    const kafka = so.spec.triggers.filter((t) => t.type === 'kafka');
    const got = kafka.map((t) => `${t.metadata.consumerGroup} <- ${t.metadata.topic}`);
    const listed = pairs(svcValues[svc]?.kafka?.consumerGroups);
    check(sameSet(got, listed) && got.length === listed.length, `ScaledObject ${svc}: one trigger per group and topic of kafka.consumerGroups: want ${listed.join('; ')}; got ${got.join('; ')}`);
    const rule = CONSUMER_NAMING[svc];
    if (rule) {
      const want = rule.groups(configMaps[svc]?.data ?? {});
      check(sameSet(got, want), `ScaledObject ${svc}: lag of the groups the service uses with its ConfigMap (${want.join('; ')}); got ${got.join('; ')}`);
    }
    for (const t of kafka) {
      check(t.metadata.topic, `ScaledObject ${svc}: trigger on group ${t.metadata.consumerGroup} names its topic`);
      check(t.metadata.bootstrapServers || t.metadata.bootstrapServersFromEnv, `ScaledObject ${svc}: bootstrap servers`);
      if (t.authenticationRef) {
        check(
          ofKind('TriggerAuthentication').some((a) => a.metadata.name === t.authenticationRef.name),
          `ScaledObject ${svc}: TriggerAuthentication ${t.authenticationRef.name} exists`,
        );
      }
    }
  }
  check(hpas.every((h) => !scaledObjects.some((so) => h.spec.scaleTargetRef.name === so.spec.scaleTargetRef.name)), 'an HPA beside a ScaledObject');

  const kinds = {};
  for (const o of objects) kinds[o.kind] = (kinds[o.kind] ?? 0) + 1;
  const summary = Object.entries(kinds)
    .sort()
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  console.log(`  ${set}: ${counter.passed} assertions passed on ${objects.length} objects (${summary})`);
}

checkRepository();
for (const set of sets) checkSet(set);
if (failures > 0) {
  console.error(`${failures} assertion(s) failed`);
  process.exit(1);
}
