// What the admission webhooks serve: MysqlCluster in both versions, and its scale subresource.
import { GROUP, KIND } from '../src/api/types.ts';
import type { AdmissionRequest } from './admission-review.ts';

/** What the admission webhooks serve: MysqlCluster v1, v2alpha1, or its Scale. */
export type Served = 'v1' | 'v2alpha1' | 'scale';
/** The served kinds in words, for refusals. */
export const SERVED_TEXT = `${GROUP}/v1 and ${GROUP}/v2alpha1 ${KIND}, and autoscaling/v1 Scale of ${KIND}`;

/** Which served kind a request is, or undefined when the webhooks do not serve it. */
export function servedKind(req: AdmissionRequest): Served | undefined {
  const k = req.kind;
  if (req.subResource === 'scale' && k.group === 'autoscaling' && k.version === 'v1' && k.kind === 'Scale')
    return 'scale';
  if (k.group !== GROUP || k.kind !== KIND || (req.subResource !== undefined && req.subResource !== ''))
    return undefined;
  return k.version === 'v1' || k.version === 'v2alpha1' ? k.version : undefined;
}
