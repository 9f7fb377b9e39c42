// The MySQL layer's public surface. Design notes: docs/mysql.md.
export * from './mysql-errors.ts';
export * from './gtid.ts';
export * from './flavor.ts';
export { MysqlNode, Session, type Endpoint } from './session.ts';
export * from './users.ts';
export * from './semisync.ts';
export * from './status.ts';
export * from './replication.ts';
export * from './fence.ts';
export * from './promote.ts';
export * from './errant.ts';
export * from './candidate.ts';
export * from './failover.ts';
export * from './term-row.ts';
