// Builds overlays with kustomize 5 from a scratch copy of kustomize/ and crds/, so the dev overlay's
// certificates are generated there and the worktree is never written.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const root = join(import.meta.dirname, '..', '..');
// hack/install-kustomize.sh puts kustomize 5.x there (kubectl's embedded one behind a wrapper).
export const KUSTOMIZE = join(root, '.tools', 'bin', 'kustomize');
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  [k: string]: any;
};

export function scratchCopy(): { dir: string; caBundle: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'mro-kustomize-'));
  cpSync(join(root, 'kustomize'), join(dir, 'kustomize'), {
    recursive: true,
    filter: (src) => !src.includes(join('dev', 'certs-made-by-npm-run-gen-certs')),
  });
  cpSync(join(root, 'crds'), join(dir, 'crds'), { recursive: true });
  const printed = execFileSync(
    process.execPath,
    [
      '--import=tsx',
      join(root, 'hack', 'gen-certs.ts'),
      '--out',
      join(dir, 'kustomize', 'overlays', 'dev', 'certs-made-by-npm-run-gen-certs'),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: root, encoding: 'utf8' },
  );
  return {
    dir,
    caBundle: printed.trim().split('\n').pop() ?? '',
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as K8sObject)
    .filter(Boolean);
}

export function build(dir: string): K8sObject[] {
  return parseObjects(execFileSync(KUSTOMIZE, ['build', dir], { encoding: 'utf8', maxBuffer: 32 << 20 }));
}
