// The pod runner's public surface (see runner.ts and docs/local.md).
export { startPodRunner, findServer, operatorEntry, type PodRunner, type PodRunnerOptions } from './runner.ts';
export { killLeftovers } from './kubelet.ts';
