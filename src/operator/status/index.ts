// The pure status fold and the views it reads (docs/operator.md, "Status").
export { foldStatus } from './fold.ts';
export { parseAgentReport, type AgentReport } from './agent-report.ts';
export type { FoldInput, PodView, RaftStateView, LeaseView, StatefulSetView, Problem } from './inputs.ts';
export type { Phase } from './conditions.ts';
