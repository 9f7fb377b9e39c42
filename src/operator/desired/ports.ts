// The agent's ports and mount paths, as docs/agent.md (the agent's contract) fixes them.

/** Peer Raft RPC (HMAC-authenticated). */
export const AGENT_PEER_PORT = 8300;
/** /healthz, /readyz, /status, /metrics and /prestop. */
export const AGENT_HTTP_PORT = 8301;
/** Where the credentials Secret is mounted in the agent container. */
export const CREDENTIALS_DIR = '/etc/mysql-raft/credentials';
/** Where the peer-auth Secret is mounted. */
export const PEER_DIR = '/etc/mysql-raft/peer';
/** Termination grace: long enough for the preStop handover (bounded by grace - 5 s in the agent). */
export const TERMINATION_GRACE_SECONDS = 60;
/** mysqld's socket and pid file (the images' default place), on an emptyDir both containers mount. */
export const RUN_DIR = '/var/run/mysqld';
/** Where the agent finds mysqld's pid, to fence by crash (src/agent/crash-fence.ts); my.cnf sets it. */
export const MYSQLD_PID_FILE = `${RUN_DIR}/mysqld.pid`;
