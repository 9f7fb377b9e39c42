// Pod volumes as directories on this machine: a PersistentVolumeClaim is a directory under the data
// dir named after the claim (kept across pod deletions and restarts of `local`), Secret, ConfigMap,
// downwardAPI and projected volumes are files under the pod's directory rewritten when their source
// changes, emptyDir is a fresh directory per pod, hostPath is the path itself.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Obj } from './client.ts';
import { ContainerConfigError, fieldValue } from './env.ts';

/** Where volumes come from. */
export interface VolumeSources {
  pod: Obj;
  podDir: string;
  secret(ns: string, name: string): Obj | undefined;
  configMap(ns: string, name: string): Obj | undefined;
  /** The directory of a claim; throws ContainerConfigError when the claim is missing. */
  claimDir(ns: string, claim: string): string;
}

type Files = Map<string, { content: Buffer; mode: number }>;

function fromData(obj: Obj, binary: boolean, items: Obj[] | undefined, mode: number): Files {
  const data: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries((obj['data'] ?? {}) as Record<string, string>))
    data[k] = binary ? Buffer.from(v, 'base64') : Buffer.from(v);
  for (const [k, v] of Object.entries((obj['binaryData'] ?? {}) as Record<string, string>))
    data[k] = Buffer.from(v, 'base64');
  const out: Files = new Map();
  if (items?.length) {
    for (const it of items)
      if (data[it['key']]) out.set(String(it['path']), { content: data[it['key']]!, mode: it['mode'] ?? mode });
  } else for (const [k, v] of Object.entries(data)) out.set(k, { content: v, mode });
  return out;
}

function downward(pod: Obj, items: Obj[], mode: number): Files {
  const out: Files = new Map();
  const m = pod['metadata'];
  const render = (v: Record<string, string> | undefined) =>
    Object.entries(v ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, x]) => `${k}=${JSON.stringify(x)}`)
      .join('\n');
  for (const it of items) {
    const f = String(it['fieldRef']?.['fieldPath'] ?? '');
    // resourceFieldRef: no cgroups here, so no limits to report (as env does, "0").
    const text = it['resourceFieldRef']
      ? '0'
      : f === 'metadata.labels'
        ? render(m['labels'])
        : f === 'metadata.annotations'
          ? render(m['annotations'])
          : fieldValue(pod, f);
    out.set(String(it['path']), { content: Buffer.from(text), mode: it['mode'] ?? mode });
  }
  return out;
}

/** True when the pod has a downwardAPI volume (or projection), whose files follow labels/annotations. */
export function hasDownwardFiles(pod: Obj): boolean {
  return ((pod['spec']['volumes'] ?? []) as Obj[]).some(
    (v) => v['downwardAPI'] || ((v['projected']?.['sources'] ?? []) as Obj[]).some((s) => s['downwardAPI']),
  );
}

function sourceFiles(src: VolumeSources, kind: 'secret' | 'configMap', ref: Obj, mode: number, items?: Obj[]): Files {
  const ns = src.pod['metadata']['namespace'];
  const name = kind === 'secret' ? (ref['secretName'] ?? ref['name']) : ref['name'];
  const obj = kind === 'secret' ? src.secret(ns, name) : src.configMap(ns, name);
  if (!obj) {
    if (ref['optional']) return new Map();
    throw new ContainerConfigError(`${kind === 'secret' ? 'secret' : 'configmap'} "${name}" not found`);
  }
  return fromData(obj, kind === 'secret', items ?? ref['items'], mode);
}

function projected(src: VolumeSources, p: Obj): Files {
  const out: Files = new Map();
  const mode = p['defaultMode'] ?? 0o644;
  for (const s of (p['sources'] ?? []) as Obj[]) {
    const part = s['secret']
      ? sourceFiles(src, 'secret', s['secret'], mode)
      : s['configMap']
        ? sourceFiles(src, 'configMap', s['configMap'], mode)
        : s['downwardAPI']
          ? downward(src.pod, s['downwardAPI']['items'] ?? [], mode)
          : new Map();
    for (const [k, v] of part) out.set(k, v);
  }
  return out;
}

/** Replaces a directory's files with `files` (written beside, then renamed into place). */
function writeFiles(dir: string, files: Files): void {
  mkdirSync(dir, { recursive: true });
  for (const [rel, f] of files) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, f.content, { mode: f.mode });
    renameSync(tmp, path);
  }
  const keep = new Set([...files.keys()].map((k) => k.split('/')[0]));
  for (const entry of readdirSync(dir))
    if (!keep.has(entry)) rmSync(join(dir, entry), { recursive: true, force: true });
}

function fileVolume(src: VolumeSources, v: Obj): Files | undefined {
  if (v['secret']) return sourceFiles(src, 'secret', v['secret'], v['secret']['defaultMode'] ?? 0o644);
  if (v['configMap']) return sourceFiles(src, 'configMap', v['configMap'], v['configMap']['defaultMode'] ?? 0o644);
  if (v['downwardAPI'])
    return downward(src.pod, v['downwardAPI']['items'] ?? [], v['downwardAPI']['defaultMode'] ?? 0o644);
  if (v['projected']) return projected(src, v['projected']);
  return undefined;
}

/** Creates every volume of the pod; returns volume name -> host directory. */
export function setUpVolumes(src: VolumeSources): Map<string, string> {
  const out = new Map<string, string>();
  const ns = src.pod['metadata']['namespace'];
  for (const v of (src.pod['spec']['volumes'] ?? []) as Obj[]) {
    const name = String(v['name']);
    const dir = join(src.podDir, 'volumes', name);
    if (v['persistentVolumeClaim']) out.set(name, src.claimDir(ns, String(v['persistentVolumeClaim']['claimName'])));
    else if (v['hostPath']) out.set(name, String(v['hostPath']['path']));
    else {
      const files = fileVolume(src, v);
      if (files) writeFiles(dir, files);
      else mkdirSync(dir, { recursive: true });
      out.set(name, dir);
    }
  }
  return out;
}

/** Rewrites Secret/ConfigMap/downward/projected volumes from their current sources (missing: left as is). */
export function refreshVolumes(src: VolumeSources): void {
  for (const v of (src.pod['spec']['volumes'] ?? []) as Obj[]) {
    try {
      const files = fileVolume(src, v);
      if (files) writeFiles(join(src.podDir, 'volumes', String(v['name'])), files);
    } catch {
      // A source that disappeared keeps its last files, as the kubelet does.
    }
  }
}

/** mountPath -> host path for one container (subPath joined; the directory created if absent). */
export function containerMounts(container: Obj, volumes: Map<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of (container['volumeMounts'] ?? []) as Obj[]) {
    const base = volumes.get(String(m['name']));
    if (base === undefined) throw new ContainerConfigError(`volume "${m['name']}" not found in the pod's volumes`);
    const host = m['subPath'] ? join(base, String(m['subPath'])) : base;
    if (m['subPath'] && !existsSync(host)) mkdirSync(host, { recursive: true });
    out.set(String(m['mountPath']), host);
  }
  return out;
}
