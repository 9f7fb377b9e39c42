// metadata.ownerReferences validation, as apimachinery's ValidateOwnerReferences (api/validation/
// objectmeta.go): apiVersion (with a version), kind, name and uid are required, core/v1 Event may not
// own anything, and at most one reference may say controller: true.
import type { FieldError } from './status-errors.ts';
import { isPlainObject } from './meta.ts';

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** schema.FromAPIVersionAndKind: a malformed apiVersion ("a/b/c") parses to no group and no version. */
function parseApiVersion(apiVersion: string): { group: string; version: string } {
  if (apiVersion === '') return { group: '', version: '' };
  const parts = apiVersion.split('/');
  if (parts.length === 1) return { group: '', version: parts[0]! };
  if (parts.length === 2) return { group: parts[0]!, version: parts[1]! };
  return { group: '', version: '' };
}

function validateOne(ref: Record<string, unknown>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const apiVersion = str(ref['apiVersion']),
    kind = str(ref['kind']);
  const { group, version } = parseApiVersion(apiVersion);
  if (!version)
    errs.push({ type: 'Invalid', field: `${path}.apiVersion`, value: apiVersion, detail: 'version must not be empty' });
  if (!kind) errs.push({ type: 'Invalid', field: `${path}.kind`, value: kind, detail: 'kind must not be empty' });
  if (!str(ref['name']))
    errs.push({ type: 'Invalid', field: `${path}.name`, value: str(ref['name']), detail: 'name must not be empty' });
  if (!str(ref['uid']))
    errs.push({ type: 'Invalid', field: `${path}.uid`, value: str(ref['uid']), detail: 'uid must not be empty' });
  if (group === '' && version === 'v1' && kind === 'Event') {
    errs.push({
      type: 'Invalid',
      field: path,
      value: ref,
      detail: '/v1, Kind=Event is disallowed from being an owner',
    });
  }
  return errs;
}

/** Field errors for `metadata.ownerReferences`; paths are indexed (`metadata.ownerReferences[0].uid`). */
export function ownerReferenceProblems(refs: unknown): FieldError[] {
  if (!Array.isArray(refs)) return [];
  const path = 'metadata.ownerReferences';
  const errs: FieldError[] = [];
  let firstController = '';
  refs.forEach((raw, i) => {
    const ref = isPlainObject(raw) ? raw : {};
    errs.push(...validateOne(ref, `${path}[${i}]`));
    if (ref['controller'] !== true) return;
    const current = `${str(ref['kind'])}/${str(ref['name'])}`;
    if (!firstController) {
      firstController = current;
      return;
    }
    errs.push({
      type: 'Invalid',
      field: path,
      value: refs,
      detail: `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
    });
  });
  return errs;
}
