// The CRD conversion webhook (ConversionReview v1). Every failure is a Failure result with a message,
// never an HTTP 500: the API server shows that message to the user.
import { convertObject, ConversionError } from '../src/api/convert.ts';
import { BadReviewError } from './admission-review.ts';

/** The ConversionReview v1 answer. */
export interface ConversionReview {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'ConversionReview';
  response: {
    uid: string;
    convertedObjects?: unknown[];
    result: { status: 'Success' } | { status: 'Failure'; message: string };
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The answer to a ConversionReview: converted objects, or a Failure result saying why. Throws BadReviewError only when
 * the body is not a ConversionReview with a request uid.
 */
export function handleConvert(body: unknown): ConversionReview {
  if (!isRecord(body) || body['apiVersion'] !== 'apiextensions.k8s.io/v1' || body['kind'] !== 'ConversionReview') {
    throw new BadReviewError('expected an apiextensions.k8s.io/v1 ConversionReview');
  }
  const req = body['request'];
  if (!isRecord(req) || typeof req['uid'] !== 'string' || req['uid'] === '')
    throw new BadReviewError('request.uid: required string missing');
  const uid = req['uid'];
  const answer = (response: Omit<ConversionReview['response'], 'uid'>): ConversionReview => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'ConversionReview',
    response: { uid, ...response },
  });
  const objects = req['objects'];
  const desired = req['desiredAPIVersion'];
  if (typeof desired !== 'string')
    return answer({ result: { status: 'Failure', message: 'request.desiredAPIVersion: required string missing' } });
  if (!Array.isArray(objects))
    return answer({ result: { status: 'Failure', message: 'request.objects: required list missing' } });
  try {
    return answer({ convertedObjects: objects.map((o) => convertObject(o, desired)), result: { status: 'Success' } });
  } catch (e) {
    const message = e instanceof ConversionError ? e.message : `conversion failed: ${(e as Error).message}`;
    return answer({ result: { status: 'Failure', message } });
  }
}
