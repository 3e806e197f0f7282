// Types of kill-trial.js, for the crash tests written in TypeScript.
export const SNAP_BIN: string;
export interface SnapRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}
export function runSnap(dir: string, args: string[], env?: NodeJS.ProcessEnv): SnapRun;
export function spawnSnap(dir: string, args: string[], env?: NodeJS.ProcessEnv): import('node:child_process').ChildProcess;
export function git(dir: string, ...args: string[]): string;
export function makeTrialArchive(work: string, options?: { files?: number; payloadBytes?: number }): { dir: string; folder: string };
export function changeEstate(folder: string, round: number, options?: { payloadBytes?: number }): void;
export interface ArchiveState {
  archiveLock: boolean;
  deadLockRecords: string[];
  gitLocks: string[];
  /** packs with their index */
  packs: number;
  tmpPacks: string[];
  packsWithoutIndex: string[];
  looseTemporaries: string[];
  staged: string[];
  storeTemporaries: string[];
  tags: Map<string, string>;
  main: string;
  untaggedOnMain: string[];
}
export function inspect(dir: string): ArchiveState;
export function leftovers(state: ArchiveState): string[];
export function checkAfterKill(dir: string): string[];
export function checkClean(dir: string): string[];
