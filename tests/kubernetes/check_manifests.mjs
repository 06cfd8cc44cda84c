// Checks the rendered manifests of deploy/kubernetes (the output of `kubectl kustomize OVERLAY`):
//   1. schemas: each object is built with kubernetes-models' class for its apiVersion and kind and
//      validated (required fields, types, enums, formats);
//   2. types: a TypeScript file declares each object with kubernetes-types' type, and tsc --strict
//      compiles it (an unknown field anywhere fails as an excess property);
//   3. the gateway's own rules (see ownChecks below), and with --gateway-bin, the ConfigMap's
//      gateway.toml through `intercom-gateway --check-config` with the Deployment's environment.
// --self-test then feeds each stage a broken copy and fails unless each stage notices (each
// finding is printed with ICG_SELF_TEST_VERBOSE=1).
//
//   node check_manifests.mjs [--self-test] [--gateway-bin BIN] [--uid UID]
//        [--secrets-example FILE] OVERLAY=RENDERED.yaml...
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { parse as parseToml } from "smol-toml";
import * as core from "kubernetes-models/v1";
import * as apps from "kubernetes-models/apps/v1";
import * as policy from "kubernetes-models/policy/v1";
import * as autoscaling from "kubernetes-models/autoscaling/v2";
import * as networking from "kubernetes-models/networking.k8s.io/v1";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");

// The kinds the overlays may hold: apiVersion → [kubernetes-models module, kubernetes-types module].
const groups = {
  "v1": [core, "kubernetes-types/core/v1"],
  "apps/v1": [apps, "kubernetes-types/apps/v1"],
  "policy/v1": [policy, "kubernetes-types/policy/v1"],
  "autoscaling/v2": [autoscaling, "kubernetes-types/autoscaling/v2"],
  "networking.k8s.io/v1": [networking, "kubernetes-types/networking/v1"],
};

// ---- arguments ---------------------------------------------------------------------------------
const args = process.argv.slice(2);
const options = { selfTest: false, gatewayBin: "", uid: 65532, secretsExample: "", overlays: [] };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "--self-test") options.selfTest = true;
  else if (a === "--gateway-bin") options.gatewayBin = args[++i];
  else if (a === "--uid") options.uid = Number(args[++i]);
  else if (a === "--secrets-example") options.secretsExample = args[++i];
  else if (/^[\w-]+=/.test(a)) {
    const [name, file] = [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)];
    options.overlays.push({ name, file });
  } else {
    console.error(`check_manifests: unknown argument '${a}'`);
    process.exit(2);
  }
}
if (!options.overlays.length) {
  console.error("usage: node check_manifests.mjs [--self-test] [--gateway-bin BIN] [--uid UID] [--secrets-example FILE] OVERLAY=FILE...");
  process.exit(2);
}

function loadYaml(file) {
  const objects = [];
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
    const value = doc.toJS();
    if (value !== null) objects.push(value);
  }
  return objects;
}

const label = (o) => `${o.kind}/${o.metadata?.name}`;

// ---- 1. kubernetes-models ----------------------------------------------------------------------
function schemaProblems(objects) {
  const problems = [];
  for (const o of objects) {
    const group = groups[o.apiVersion];
    const Model = group?.[0][o.kind];
    if (!Model) {
      problems.push(`${label(o)}: no model for ${o.apiVersion} ${o.kind}`);
      continue;
    }
    try {
      new Model(structuredClone(o)).validate();
    } catch (e) {
      const details = (e.errors ?? []).map((x) => `${x.instancePath} ${x.message}`).join("; ");
      problems.push(`${label(o)}: ${details || e.message}`);
    }
  }
  return problems;
}

// ---- 2. kubernetes-types + tsc --strict --------------------------------------------------------
// One tsc run for every batch (tsc takes seconds to start): each batch is a file of its own, and
// its errors are told apart by file name. Returns a Map from batch tag to problems.
function typeProblems(batches) {
  const result = new Map(batches.map(({ tag }) => [tag, []]));
  const dir = mkdtempSync(path.join(tmpdir(), "icg-k8s-types-"));
  try {
    for (const { tag, objects } of batches) {
      const lines = [];
      objects.forEach((o, i) => {
        const module = groups[o.apiVersion]?.[1];
        if (!module) return;  // reported by schemaProblems
        lines.push(`// ${label(o)}`);
        lines.push(`export const object${i}: import(${JSON.stringify(module)}).${o.kind} = ${JSON.stringify(o, null, 2)};`);
      });
      writeFileSync(path.join(dir, `${tag}.ts`), lines.join("\n") + "\n");
    }
    writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, target: "es2022", module: "es2022",
        moduleResolution: "node", types: [], baseUrl: ".",
        paths: { "kubernetes-types/*": [path.join(here, "node_modules/kubernetes-types/*")] },
      },
      files: batches.map(({ tag }) => `${tag}.ts`),
    }));
    const tsc = spawnSync(process.execPath, [path.join(here, "node_modules/typescript/bin/tsc"), "-p", "."],
      { cwd: dir, encoding: "utf8" });
    if (tsc.status === 0) return result;
    let matched = false;
    for (const line of `${tsc.stdout}${tsc.stderr}`.split("\n")) {
      const m = /^(?:.*\/)?([\w-]+)\.ts\(\d+,\d+\): error TS/.exec(line);
      if (m && result.has(m[1])) {
        result.get(m[1]).push(`tsc: ${line}`);
        matched = true;
      }
    }
    if (!matched) throw new Error(`tsc failed: ${tsc.stdout}${tsc.stderr}`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- 3. our own rules --------------------------------------------------------------------------
// "500ms", "5s", "10m", "8h", "7d" or a bare number of seconds → seconds.
function seconds(value) {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(String(value).trim());
  if (!m) throw new Error(`not a duration: '${value}'`);
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[m[2] ?? "s"];
}
const portOf = (listen) => Number(/:(\d+)$/.exec(listen ?? "")?.[1]);
const matches = (selector, labels) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
const under = (file, dir) => file === dir || file.startsWith(dir.replace(/\/?$/, "/"));

function ownChecks(objects, secretsExample) {
  const problems = [];
  const bad = (where, what) => problems.push(`${where}: ${what}`);
  const byKind = (kind) => objects.filter((o) => o.kind === kind);
  const deployments = byKind("Deployment");
  if (deployments.length !== 1) bad("overlay", `holds ${deployments.length} Deployments, expected 1`);
  for (const o of objects) {
    if (o.kind === "Secret") bad(label(o), "a Secret in the rendered output (secrets are created out of band)");
  }

  for (const d of deployments) {
    const where = label(d);
    const pod = d.spec.template.spec;
    const podLabels = d.spec.template.metadata?.labels ?? {};
    if (!matches(d.spec.selector?.matchLabels, podLabels)) bad(where, "selector does not match the pod's labels");
    const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
    const podSc = pod.securityContext ?? {};
    if (podSc.runAsNonRoot !== true) bad(where, "pod securityContext.runAsNonRoot is not true");
    if (podSc.seccompProfile?.type !== "RuntimeDefault") bad(where, "pod seccompProfile is not RuntimeDefault");
    if (pod.automountServiceAccountToken !== false) bad(where, "automountServiceAccountToken is not false");

    const all = [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
    for (const c of all) {
      const cw = `${where} container ${c.name}`;
      const sc = c.securityContext ?? {};
      if (sc.runAsNonRoot !== true) bad(cw, "securityContext.runAsNonRoot is not true");
      if ((sc.runAsUser ?? podSc.runAsUser) !== options.uid) bad(cw, `runAsUser is not ${options.uid} (the image's user)`);
      if (sc.readOnlyRootFilesystem !== true) bad(cw, "securityContext.readOnlyRootFilesystem is not true");
      if (sc.allowPrivilegeEscalation !== false) bad(cw, "securityContext.allowPrivilegeEscalation is not false");
      if (sc.privileged === true) bad(cw, "privileged");
      if (!(sc.capabilities?.drop ?? []).includes("ALL")) bad(cw, "securityContext.capabilities.drop lacks ALL");
      if ((sc.capabilities?.add ?? []).length) bad(cw, "adds capabilities");
      if ((sc.seccompProfile ?? podSc.seccompProfile)?.type !== "RuntimeDefault") bad(cw, "seccompProfile is not RuntimeDefault");
      for (const kind of ["requests", "limits"]) {
        for (const r of ["cpu", "memory"]) {
          if (c.resources?.[kind]?.[r] === undefined) bad(cw, `resources.${kind}.${r} is not set`);
        }
      }
      for (const m of c.volumeMounts ?? []) {
        if (!volumes.has(m.name)) bad(cw, `mounts volume '${m.name}', which the pod does not have`);
      }
      // Probes: an httpGet on a named port of this container.
      const ports = new Map((c.ports ?? []).map((p) => [p.name, p]));
      for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
        const p = c[probe];
        if (!p) continue;
        if (!p.httpGet) { bad(cw, `${probe} is not an httpGet`); continue; }
        if (typeof p.httpGet.port !== "string" || !ports.has(p.httpGet.port)) {
          bad(cw, `${probe} port '${p.httpGet.port}' is not a named port of the container`);
        }
      }
    }

    const gateway = (pod.containers ?? []).find((c) => c.name === "gateway");
    if (!gateway) { bad(where, "no container named gateway"); continue; }
    const gw = `${where} container gateway`;
    const want = { startupProbe: "/healthz", livenessProbe: "/healthz", readinessProbe: "/readyz" };
    for (const [probe, probePath] of Object.entries(want)) {
      const p = gateway[probe];
      if (!p) bad(gw, `has no ${probe}`);
      else if (p.httpGet?.path !== probePath || p.httpGet?.port !== "admin") {
        bad(gw, `${probe} is not GET ${probePath} on port admin`);
      }
    }

    // Where each mount path comes from: the volume behind the longest matching mountPath.
    const mounts = (gateway.volumeMounts ?? []).map((m) => ({ ...m, volume: volumes.get(m.name) }));
    const volumeFor = (file) => mounts.filter((m) => under(file, m.mountPath))
      .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
    const secretFile = (what, file) => {
      const m = volumeFor(file);
      if (!m?.volume?.secret) { bad(gw, `${what} (${file}) is not in a mounted Secret volume`); return; }
      if (m.readOnly !== true) bad(gw, `Secret volume ${m.name} is not mounted readOnly`);
      const key = file.slice(m.mountPath.replace(/\/?$/, "/").length);
      const example = secretsExample.get(m.volume.secret.secretName);
      if (!example) bad(gw, `${what}: Secret ${m.volume.secret.secretName} has no example in the secrets example file`);
      else if (!example.has(key)) bad(gw, `${what}: Secret ${m.volume.secret.secretName} has no key '${key}' in the example`);
    };
    for (const e of gateway.env ?? []) {
      if (/^GATEWAY_\w+_FILE$/.test(e.name)) {
        if (typeof e.value !== "string") bad(gw, `${e.name} has no literal value`);
        else secretFile(e.name, e.value);
      } else if (/^GATEWAY_(REDIS_URL|INTERCOM_CLIENT_SECRET|SESSION_ENCRYPTION_KEYS?)$/.test(e.name)) {
        bad(gw, `${e.name}: a secret in the environment (use the _FILE form)`);
      }
    }

    // The configuration: the ConfigMap behind --config.
    const argv = [...(gateway.command ?? []), ...(gateway.args ?? [])];
    const configPath = argv[argv.indexOf("--config") + 1];
    if (!argv.includes("--config") || !configPath) { bad(gw, "no --config FILE argument"); continue; }
    const cm = volumeFor(configPath);
    const cmName = cm?.volume?.configMap?.name;
    const configMap = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === cmName);
    const configKey = configPath.slice((cm?.mountPath ?? "").replace(/\/?$/, "/").length);
    if (!configMap) { bad(gw, `--config ${configPath} is not in a mounted ConfigMap of this overlay`); continue; }
    const text = configMap.data?.[configKey];
    if (text === undefined) { bad(label(configMap), `has no key ${configKey}`); continue; }
    let config;
    try { config = parseToml(text); } catch (e) { bad(label(configMap), `${configKey}: ${e.message}`); continue; }
    d.gatewayConfig = { text, key: configKey, mount: cm.mountPath };

    const drain = seconds(config.server?.drain_delay ?? "5s");
    const shutdown = seconds(config.server?.shutdown_timeout ?? "20s");
    const grace = pod.terminationGracePeriodSeconds ?? 30;
    if (!(grace > drain + shutdown)) {
      bad(where, `terminationGracePeriodSeconds ${grace} is not longer than drain_delay + shutdown_timeout (${drain} + ${shutdown} s)`);
    }
    for (const key of ["cert_file", "key_file"]) {
      if (config.tls?.[key]) secretFile(`tls.${key}`, config.tls[key]);
    }
    if (config.server?.static_dir) {
      const m = volumeFor(config.server.static_dir);
      if (!m) bad(gw, `server.static_dir ${config.server.static_dir} is not a mounted volume`);
    }

    // Every container port is a listener of the configuration, and the reverse.
    const listeners = { admin: config.admin?.listen, internal: config.internal?.listen, public: config.server?.listen ?? "0.0.0.0:8443" };
    const ports = new Map((gateway.ports ?? []).map((p) => [p.containerPort, p.name]));
    for (const [which, listen] of Object.entries(listeners)) {
      if (!listen) continue;
      if (!ports.has(portOf(listen))) bad(gw, `the ${which} listener ${listen} has no container port`);
      if (/^127\.|^\[::1\]|^localhost/.test(listen) && which !== "internal") bad(gw, `the ${which} listener ${listen} is loopback only`);
    }
    for (const [port, name] of ports) {
      if (!Object.values(listeners).some((l) => portOf(l) === port)) bad(gw, `container port ${name} (${port}) is no listener of ${configKey}`);
    }
    const adminPort = (gateway.ports ?? []).find((p) => p.name === "admin")?.containerPort;
    if (adminPort !== portOf(config.admin?.listen)) bad(gw, `port admin (${adminPort}) is not admin.listen (${config.admin?.listen})`);
    const ann = d.spec.template.metadata?.annotations ?? {};
    if (ann["prometheus.io/scrape"] !== "true" || ann["prometheus.io/path"] !== "/metrics" ||
        ann["prometheus.io/port"] !== String(adminPort)) {
      bad(where, `prometheus.io annotations are not scrape=true, path=/metrics, port=${adminPort}`);
    }

    // What refers to the pods: Services, PodDisruptionBudgets, NetworkPolicies, HPAs.
    const namedPorts = new Set((gateway.ports ?? []).map((p) => p.name));
    for (const s of byKind("Service")) {
      if (!matches(s.spec.selector, podLabels) || !Object.keys(s.spec.selector ?? {}).length) bad(label(s), "selector does not select the Deployment's pods");
      for (const p of s.spec.ports ?? []) {
        if (!namedPorts.has(p.targetPort)) bad(label(s), `targetPort ${p.targetPort} is not a named port of the gateway`);
        if (p.targetPort === "admin") bad(label(s), "exposes the admin listener");
      }
    }
    for (const b of byKind("PodDisruptionBudget")) {
      if (!matches(b.spec.selector?.matchLabels, podLabels)) bad(label(b), "selector does not select the Deployment's pods");
    }
    for (const h of byKind("HorizontalPodAutoscaler")) {
      const t = h.spec.scaleTargetRef;
      if (t.kind !== "Deployment" || t.name !== d.metadata.name) bad(label(h), `scaleTargetRef is not ${where}`);
      if (!gateway.resources?.requests?.cpu) bad(label(h), "scales on CPU but the gateway has no CPU request");
    }
    for (const n of byKind("NetworkPolicy")) {
      if (!matches(n.spec.podSelector?.matchLabels, podLabels)) bad(label(n), "podSelector does not select the Deployment's pods");
      const admitted = new Set();
      for (const rule of n.spec.ingress ?? []) {
        if (!(rule.from ?? []).length) bad(label(n), `a rule admits everyone to ${(rule.ports ?? []).map((p) => p.port)}`);
        for (const f of rule.from ?? []) {
          // kustomize's commonLabels would add the gateway's own labels to a client selector.
          const sel = f.podSelector?.matchLabels ?? {};
          if (Object.keys(sel).some((k) => k.startsWith("app.kubernetes.io/"))) bad(label(n), `a client podSelector carries the gateway's labels: ${JSON.stringify(sel)}`);
        }
        for (const p of rule.ports ?? []) {
          if (!namedPorts.has(p.port)) bad(label(n), `port ${p.port} is not a named port of the gateway`);
          admitted.add(p.port);
        }
      }
      for (const name of namedPorts) {
        if (!admitted.has(name)) bad(label(n), `admits nobody to port ${name}`);
      }
    }
  }
  return problems;
}

// Every value in the secrets example is an obvious placeholder.
function loadSecretsExample(file) {
  const secrets = new Map();
  const problems = [];
  if (!file) return { secrets, problems, objects: [] };
  for (const s of loadYaml(file)) {
    if (s.kind !== "Secret") { problems.push(`${file}: ${label(s)} is not a Secret`); continue; }
    const values = { ...(s.stringData ?? {}) };
    for (const [k, v] of Object.entries(s.data ?? {})) values[k] = Buffer.from(v, "base64").toString("utf8");
    for (const [k, v] of Object.entries(values)) {
      if (!/REPLACE/.test(v)) problems.push(`${file}: ${label(s)} key ${k} is not an obvious placeholder (no REPLACE in it)`);
    }
    secrets.set(s.metadata.name, new Set(Object.keys(values)));
    problems.push(...schemaProblems([s]));
  }
  return { secrets, problems, objects: loadYaml(file) };
}

// ---- 4. the gateway's own word on the ConfigMap ------------------------------------------------
// Runs --check-config on the ConfigMap's file with the Deployment's GATEWAY_* variables, each
// secret file and the TLS pair moved to a temporary folder (placeholder values, dev certificates).
function checkConfig(deployment) {
  if (!options.gatewayBin || !deployment.gatewayConfig) return [];
  const dir = mkdtempSync(path.join(tmpdir(), "icg-k8s-config-"));
  try {
    const { text, key } = deployment.gatewayConfig;
    const gateway = deployment.spec.template.spec.containers.find((c) => c.name === "gateway");
    const config = parseToml(text);
    const certs = path.join(dir, "certs");
    const made = spawnSync(path.join(repo, "deploy/make-dev-certs"), [certs], { encoding: "utf8" });
    if (made.status !== 0) return [`make-dev-certs: ${made.stderr}`];
    writeFileSync(path.join(dir, key), text);
    const env = { PATH: process.env.PATH, ASAN_OPTIONS: "detect_leaks=0" };
    const placeholders = {
      GATEWAY_SESSION_ENCRYPTION_KEY_FILE: Buffer.alloc(32, 7).toString("base64"),
      GATEWAY_SESSION_ENCRYPTION_KEYS_FILE: `k1:${Buffer.alloc(32, 7).toString("base64")}`,
      GATEWAY_REDIS_URL_FILE: "redis://default:placeholder@127.0.0.1:6379/0",
      GATEWAY_INTERCOM_CLIENT_SECRET_FILE: "placeholder-client-secret",
    };
    let n = 0;
    for (const e of gateway.env ?? []) {
      if (!e.name.startsWith("GATEWAY_")) continue;
      if (e.name.endsWith("_FILE")) {
        const f = path.join(dir, `secret-${n++}`);
        writeFileSync(f, (placeholders[e.name] ?? "placeholder") + "\n");
        chmodSync(f, 0o600);
        env[e.name] = f;
      } else {
        env[e.name] = e.value;
      }
    }
    if (config.tls?.cert_file) env.GATEWAY_TLS_CERT_FILE = path.join(certs, "localhost.pem");
    if (config.tls?.key_file) env.GATEWAY_TLS_KEY_FILE = path.join(certs, "localhost.key");
    if (config.server?.static_dir) {
      mkdirSync(path.join(dir, "static"));
      env.GATEWAY_SERVER_STATIC_DIR = path.join(dir, "static");
    }
    const run = spawnSync(options.gatewayBin, ["--check-config", "--config", path.join(dir, key)], { env, encoding: "utf8" });
    const out = `${run.stdout}${run.stderr}`;
    if (run.status === 0 && /configuration OK/.test(out)) return [];
    return [`${label(deployment)}: intercom-gateway --check-config of its ${key} (exit ${run.status}):\n${out.split("\n").filter((l) => /problem|intercom-gateway:/.test(l)).join("\n")}`];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- the run -----------------------------------------------------------------------------------
// The problems of one overlay but for the types (typeProblems runs once for all).
function checkOverlay(objects, secretsExample, stages = ["schema", "rule", "check-config"]) {
  const problems = [];
  if (stages.includes("schema")) problems.push(...schemaProblems(objects).map((p) => `schema: ${p}`));
  if (stages.includes("rule") || stages.includes("check-config")) {
    const rules = ownChecks(objects, secretsExample).map((p) => `rule: ${p}`);
    if (stages.includes("rule")) problems.push(...rules);
  }
  if (stages.includes("check-config")) {
    problems.push(...objects.filter((o) => o.kind === "Deployment").flatMap(checkConfig).map((p) => `check-config: ${p}`));
  }
  return problems;
}

const deploymentOf = (o) => o.find((x) => x.kind === "Deployment");
const gatewayOf = (o) => deploymentOf(o).spec.template.spec.containers.find((c) => c.name === "gateway");
// Faults planted in a copy of an overlay that passes: each stage must notice its own.
const faults = [
  ["schema", "a required field missing", (o) => { delete deploymentOf(o).spec.selector; }],
  ["schema", "a wrong type", (o) => { deploymentOf(o).spec.replicas = "three"; }],
  ["schema", "an enum value", (o) => { gatewayOf(o).ports[0].protocol = "SCTPX"; }],
  ["types", "an unknown field", (o) => { gatewayOf(o).imagePullPolice = "Always"; }],
  ["types", "a wrong type", (o) => { deploymentOf(o).spec.template.spec.terminationGracePeriodSeconds = "40"; }],
  ["rule", "a container that may escalate", (o) => { gatewayOf(o).securityContext.allowPrivilegeEscalation = true; }],
  ["rule", "a container without readOnlyRootFilesystem", (o) => { delete o.find((x) => x.kind === "Deployment").spec.template.spec.containers.at(-1).securityContext.readOnlyRootFilesystem; }],
  ["rule", "a probe on a port that does not exist", (o) => { gatewayOf(o).readinessProbe.httpGet.port = "metrics"; }],
  ["rule", "a short grace period", (o) => { deploymentOf(o).spec.template.spec.terminationGracePeriodSeconds = 25; }],
  ["rule", "a _FILE outside any Secret", (o) => { gatewayOf(o).env[0].value = "/etc/intercom-gateway/client-secret"; }],
  ["check-config", "an unknown key", (o) => {
    const cm = o.find((x) => x.kind === "ConfigMap");
    cm.data[Object.keys(cm.data)[0]] += "\n[server2]\nlisten = \"0.0.0.0:1\"\n";
  }],
];

let failed = false;
const fail = (line) => { console.error(`check_manifests: ${line}`); failed = true; };
const example = loadSecretsExample(options.secretsExample);
for (const p of example.problems) fail(`secrets example: ${p}`);
const overlays = options.overlays.map(({ name, file }) => ({ name, objects: loadYaml(file) }));
const batches = [
  ...overlays.map(({ name, objects }) => ({ tag: name, objects })),
  { tag: "secrets-example", objects: example.objects },
];
const planted = [];
if (options.selfTest) {
  for (const { name, objects } of overlays) {
    faults.forEach(([stage, what, plant], i) => {
      if (stage === "check-config" && !options.gatewayBin) return;
      const copy = structuredClone(objects);
      plant(copy);
      planted.push({ overlay: name, stage, what, objects: copy, tag: `selftest-${name}-${i}` });
    });
  }
  batches.push(...planted.filter((p) => p.stage === "types"));
}
const typed = typeProblems(batches);
for (const p of typed.get("secrets-example")) fail(`secrets example: types: ${p}`);
const clean = new Set();
for (const { name, objects } of overlays) {
  const problems = [...checkOverlay(objects, example.secrets), ...typed.get(name).map((p) => `types: ${p}`)];
  for (const p of problems) fail(`${name}: ${p}`);
  if (!problems.length) {
    clean.add(name);
    console.log(`check_manifests: ${name}: ${objects.length} objects (${objects.map((o) => o.kind).join(", ")}) pass`);
  }
}
for (const p of planted) {
  if (!clean.has(p.overlay)) continue;  // a self-test needs a clean start
  const found = p.stage === "types" ? typed.get(p.tag) : checkOverlay(p.objects, example.secrets, [p.stage])
    .filter((x) => x.startsWith(`${p.stage}:`));
  if (!found.length) fail(`${p.overlay}: self-test: the ${p.stage} checks missed ${p.what}`);
  else if (process.env.ICG_SELF_TEST_VERBOSE) console.log(`self-test ${p.overlay} ${p.what}: ${found[0]}`);
}
if (options.selfTest && !failed) console.log(`check_manifests: self-test: each of ${planted.length} planted faults was found`);
process.exit(failed ? 1 : 0);
