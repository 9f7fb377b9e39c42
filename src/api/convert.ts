// v1 <-> v2alpha1, lossless both ways. The versions differ in words (master/slave vs primary/replica) and
// in semiSync.timeout (v1: integer milliseconds; v2alpha1: a duration string). A v2alpha1 spelling that
// v1's integer cannot reproduce ("1.5s", "1500us") is kept in an annotation, as Kubernetes does for
// fields one version cannot express, and restored on the way back. See docs/api.md#conversion.
import { formatMillis, parseDuration } from './duration.ts';
import { Annotations } from './names.ts';
import { GROUP, type MysqlClusterV1, type MysqlClusterV2 } from './types.ts';

/** The annotation that keeps a v2alpha1 semiSync.timeout spelling v1's integer milliseconds cannot reproduce. */
export const TIMEOUT_ANNOTATION = Annotations.conversionSemiSyncTimeout;
/** Both served apiVersions of MysqlCluster, v1 (storage) first. */
export const API_VERSIONS = [`${GROUP}/v1`, `${GROUP}/v2alpha1`] as const;
/** A served MysqlCluster apiVersion. */
export type ApiVersion = (typeof API_VERSIONS)[number];

/** Thrown when an object cannot be converted; the message names the field and what is wrong with it. */
export class ConversionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConversionError';
  }
}

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Moves o[from] to o[to] when present, keeping absence absent. */
function rename(o: unknown, from: string, to: string): void {
  if (!isRecord(o) || !(from in o)) return;
  const v = o[from];
  delete o[from];
  o[to] = v;
}

const v1Millis = (ms: number): number => Math.round(ms);

function annotations(obj: Json): Json | undefined {
  const meta = obj['metadata'];
  return isRecord(meta) && isRecord(meta['annotations']) ? meta['annotations'] : undefined;
}

function setAnnotation(obj: Json, key: string, value: string): void {
  if (!isRecord(obj['metadata'])) obj['metadata'] = {};
  const meta = obj['metadata'] as Json;
  if (!isRecord(meta['annotations'])) meta['annotations'] = {};
  (meta['annotations'] as Json)[key] = value;
}

function deleteAnnotation(obj: Json, key: string): void {
  const ann = annotations(obj);
  if (!ann) return;
  delete ann[key];
  if (Object.keys(ann).length === 0) delete (obj['metadata'] as Json)['annotations'];
}

/**
 * The v2alpha1 form of a v1 object (a copy): renamed fields, semiSync.timeout as a duration string (the spelling saved
 * in TIMEOUT_ANNOTATION when it still matches, which is then dropped).
 */
export function v1ToV2(input: MysqlClusterV1): MysqlClusterV2 {
  const out = structuredClone(input) as unknown as Json;
  out['apiVersion'] = `${GROUP}/v2alpha1`;
  const spec = out['spec'];
  rename(spec, 'masterService', 'primaryService');
  rename(spec, 'slaveService', 'replicaService');
  const ss = isRecord(spec) ? spec['semiSync'] : undefined;
  rename(ss, 'waitForSlaveCount', 'waitForReplicaCount');
  if (isRecord(ss) && typeof ss['timeout'] === 'number') {
    const ms = ss['timeout'];
    const saved = annotations(out)?.[TIMEOUT_ANNOTATION];
    if (typeof saved === 'string' && savedMatches(saved, ms)) {
      ss['timeout'] = saved;
      deleteAnnotation(out, TIMEOUT_ANNOTATION);
    } else {
      ss['timeout'] = formatMillis(ms);
    }
  }
  rename(out['status'], 'master', 'primary');
  rename(out['status'], 'slaves', 'replicaPods');
  return out as unknown as MysqlClusterV2;
}

function savedMatches(saved: string, ms: number): boolean {
  try {
    return v1Millis(parseDuration(saved)) === ms;
  } catch {
    return false;
  }
}

/**
 * The v1 form of a v2alpha1 object (a copy); a timeout spelling v1 cannot keep goes into TIMEOUT_ANNOTATION. Throws
 * ConversionError naming spec.semiSync.timeout when it is not a valid duration.
 */
export function v2ToV1(input: MysqlClusterV2): MysqlClusterV1 {
  const out = structuredClone(input) as unknown as Json;
  out['apiVersion'] = `${GROUP}/v1`;
  const spec = out['spec'];
  rename(spec, 'primaryService', 'masterService');
  rename(spec, 'replicaService', 'slaveService');
  const ss = isRecord(spec) ? spec['semiSync'] : undefined;
  rename(ss, 'waitForReplicaCount', 'waitForSlaveCount');
  if (isRecord(ss) && typeof ss['timeout'] === 'string') {
    const text = ss['timeout'];
    let ms: number;
    try {
      ms = v1Millis(parseDuration(text));
    } catch (e) {
      throw new ConversionError(`spec.semiSync.timeout: ${(e as Error).message}`);
    }
    ss['timeout'] = ms;
    if (Number.isInteger(ms) && formatMillis(ms) !== text) setAnnotation(out, TIMEOUT_ANNOTATION, text);
  }
  rename(out['status'], 'primary', 'master');
  rename(out['status'], 'replicaPods', 'slaves');
  return out as unknown as MysqlClusterV1;
}

/** Converts one object to desiredAPIVersion; the identity when it is already there. */
export function convertObject(obj: unknown, desiredAPIVersion: string): Json {
  if (!isRecord(obj)) throw new ConversionError('object is not a JSON object');
  if (obj['kind'] !== 'MysqlCluster')
    throw new ConversionError(`kind ${JSON.stringify(obj['kind'])} is not convertible; allowed: "MysqlCluster"`);
  const from = obj['apiVersion'];
  if (!API_VERSIONS.includes(from as ApiVersion))
    throw new ConversionError(`apiVersion ${JSON.stringify(from)} is not served; allowed: ${API_VERSIONS.join(', ')}`);
  if (!API_VERSIONS.includes(desiredAPIVersion as ApiVersion))
    throw new ConversionError(
      `desiredAPIVersion ${JSON.stringify(desiredAPIVersion)} is not served; allowed: ${API_VERSIONS.join(', ')}`,
    );
  if (from === desiredAPIVersion) return obj;
  return (desiredAPIVersion === `${GROUP}/v1`
    ? v2ToV1(obj as unknown as MysqlClusterV2)
    : v1ToV2(obj as unknown as MysqlClusterV1)) as unknown as Json;
}
