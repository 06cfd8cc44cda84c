// Turns the rendered sidecar overlay into what podman 4.3's `kube play` can run on this machine,
// changing only what podman cannot do or what must point at the test's own services:
//   - Secret volumes become hostPath volumes of the test's folders (kube play in 4.3 mounts no
//     Secret volumes); the files, their names and the mount paths stay those of the manifests;
//   - the ConfigMap goes to a file of its own for --configmap; it and every volume get the test's
//     name prefix, since podman names its volumes after them, machine-wide;
//   - hostNetwork, so the gateway's listeners are on the host's loopback (without the container
//     ports, which podman refuses beside it), and one replica;
//   - restartPolicy OnFailure: podman 4.3 restarts an init container under Always and then fails
//     to remove it;
//   - no probes: podman would run them as health checks inside the image (with curl, which the
//     image has not); the test asks /healthz and /readyz on the admin listener itself instead;
//   - the images built here, and GATEWAY_* variables that point the gateway at the test's ports,
//     the mock Intercom and its CA (an extra hostPath volume). The ConfigMap itself is unchanged.
//
//   node podman_copy.mjs RENDERED OUT_DIR --name PREFIX --uid UID --image NAME=IMAGE...
//        --secret SECRET=DIR... [--mount NAME=DIR:PATH]... [--env KEY=VALUE]...
// Writes OUT_DIR/deployment.yaml and OUT_DIR/configmap.yaml; prints the podman volume names
// to remove afterwards, one a line.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments, stringify } from "yaml";

const [rendered, outDir, ...rest] = process.argv.slice(2);
const opt = { name: "", uid: NaN, image: {}, secret: {}, mount: [], env: [] };
for (let i = 0; i < rest.length; i += 2) {
  const [flag, value] = [rest[i], rest[i + 1]];
  const [k, v] = [value?.slice(0, value.indexOf("=")), value?.slice(value.indexOf("=") + 1)];
  if (flag === "--name") opt.name = value;
  else if (flag === "--uid") opt.uid = Number(value);
  else if (flag === "--image") opt.image[k] = v;
  else if (flag === "--secret") opt.secret[k] = v;
  else if (flag === "--mount") opt.mount.push({ name: k, host: v.split(":")[0], path: v.split(":")[1] });
  else if (flag === "--env") opt.env.push({ name: k, value: v });
  else throw new Error(`podman_copy: unknown argument ${flag}`);
}
const die = (msg) => { console.error(`podman_copy: ${msg}`); process.exit(1); };

const objects = parseAllDocuments(readFileSync(rendered, "utf8")).map((d) => d.toJS()).filter(Boolean);
const deployment = objects.find((o) => o.kind === "Deployment");
const configMaps = objects.filter((o) => o.kind === "ConfigMap");
if (!deployment || configMaps.length !== 1) die("expected one Deployment and one ConfigMap");
const pod = deployment.spec.template.spec;
const volumeNames = [];

// The image's user must be the one the manifests run as.
for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
  const uid = c.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
  if (uid !== opt.uid) die(`container ${c.name} runs as ${uid}, the image as ${opt.uid}`);
}

const configMap = configMaps[0];
const oldConfigMapName = configMap.metadata.name;
configMap.metadata.name = `${opt.name}-config`;
volumeNames.push(configMap.metadata.name);

deployment.metadata.name = opt.name;
deployment.spec.replicas = 1;
pod.hostNetwork = true;
pod.restartPolicy = "OnFailure";

const renamed = new Map();
for (const v of pod.volumes) {
  const name = `${opt.name}-${v.name}`;
  renamed.set(v.name, name);
  v.name = name;
  if (v.secret) {
    const dir = opt.secret[v.secret.secretName];
    if (!dir) die(`no --secret for Secret ${v.secret.secretName}`);
    delete v.secret;
    v.hostPath = { path: path.resolve(dir), type: "Directory" };
  } else if (v.configMap) {
    if (v.configMap.name !== oldConfigMapName) die(`volume ${v.name} names ConfigMap ${v.configMap.name}`);
    v.configMap.name = configMap.metadata.name;
    volumeNames.push(name);
  } else if (v.emptyDir) {
    volumeNames.push(name);
  }
}
for (const m of opt.mount) {
  pod.volumes.push({ name: `${opt.name}-${m.name}`, hostPath: { path: path.resolve(m.host), type: "Directory" } });
}

for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
  const image = opt.image[c.image];
  if (!image) die(`no --image for ${c.image} (container ${c.name})`);
  c.image = image;
  c.imagePullPolicy = "Never";
  delete c.startupProbe;
  delete c.livenessProbe;
  delete c.readinessProbe;
  delete c.ports;
  for (const m of c.volumeMounts ?? []) m.name = renamed.get(m.name);
  if (c.name === "gateway") {
    for (const m of opt.mount) c.volumeMounts.push({ name: `${opt.name}-${m.name}`, mountPath: m.path, readOnly: true });
    c.env = [...(c.env ?? []), ...opt.env];
  }
}

writeFileSync(path.join(outDir, "deployment.yaml"), stringify(deployment));
writeFileSync(path.join(outDir, "configmap.yaml"), stringify(configMap));
console.log(volumeNames.join("\n"));
