// The agent's secrets, read from files mounted from the cluster's Secrets (docs/agent.md): the MySQL
// passwords from CREDENTIALS_DIR and the peer HMAC key from PEER_KEY_FILE. Errors name the file and
// what it must hold; a secret's value never appears in a message.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentConfigError } from './config.ts';
import { MIN_KEY_BYTES } from './peer-auth.ts';

/** The MySQL passwords the agent uses. */
export interface Credentials {
  rootPassword: string;
  replicationPassword: string;
  agentPassword: string;
}

/** File names inside the credentials directory (keys of Secret `<cluster>-credentials`). */
export const CREDENTIAL_FILES = {
  rootPassword: 'root-password',
  replicationPassword: 'replication-password',
  agentPassword: 'agent-password',
} as const;

function readText(path: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new AgentConfigError(`${what}: cannot read ${path} (${code})`);
  }
  return text.replace(/\r?\n$/, '');
}

/** Reads the three password files; each must be non-empty. */
export function readCredentials(dir: string): Credentials {
  const out: Record<string, string> = {};
  for (const [key, file] of Object.entries(CREDENTIAL_FILES)) {
    const path = join(dir, file);
    const v = readText(path, `credentials (--credentials-dir / CREDENTIALS_DIR)`);
    if (v.length === 0) throw new AgentConfigError(`credentials: ${path} is empty; it must hold the password`);
    out[key] = v;
  }
  return out as unknown as Credentials;
}

/** Reads the peer key: the file's bytes (surrounding whitespace trimmed), at least 32 of them. */
export function readPeerKey(path: string): Buffer {
  const text = readText(path, 'peer key (--peer-key-file / PEER_KEY_FILE)').trim();
  const key = Buffer.from(text, 'utf8');
  if (key.length < MIN_KEY_BYTES)
    throw new AgentConfigError(
      `peer key ${path}: holds ${key.length} bytes; it must hold at least ${MIN_KEY_BYTES} (e.g. base64 of 32 random bytes)`,
    );
  return key;
}
