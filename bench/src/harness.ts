// Shared shape for bench suites: each suite measures a subject and a baseline in the same run
// and reports their ratio, so a noisy machine shifts both sides alike.
import type { ChildProcess } from 'node:child_process';
import postgres from 'postgres';
import { openDb, type Db } from '@cqt/db';

/**
 * `npm run bench -- --quick` (CQT_BENCH_QUICK=1): every suite at a small size, to prove in
 * seconds that each one runs to its last row and the process exits. Its figures mean nothing.
 */
export const QUICK = process.env.CQT_BENCH_QUICK === '1';

/** The full-size value, or the small one under --quick. */
export function sized<T>(full: T, quick: T): T {
  return QUICK ? quick : full;
}

export interface BenchRow {
  /** What was measured, e.g. "upbit trade parse". */
  name: string;
  /** The subject's figure. */
  value: number;
  unit: string;
  /** Baseline measured in the same run, same unit. */
  baseline?: number;
  baselineName?: string;
  /** value / baseline (or baseline / value for times), stated so that > 1 means "subject faster". */
  ratio?: number;
  note?: string;
}

export interface BenchSuite {
  name: string;
  run(): Promise<BenchRow[]>;
}

/** Median wall time in ms of `fn` over `repeats` runs after one warm-up. */
export async function timeMs(fn: () => unknown | Promise<unknown>, repeats = 5): Promise<number> {
  await fn();
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

/** A throwaway PostgreSQL database for one measurement (dropped afterwards), opened as a cqt store. */
export async function withBenchDatabase<T>(label: string, fn: (db: Db, url: string) => Promise<T>): Promise<T> {
  const adminUrl = process.env.CQT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `cqt_bench_${label}_${process.pid}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${name}`);
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await openDb({ databaseUrl: url.toString() });
  try {
    return await fn(db, url.toString());
  } finally {
    await db.close();
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

/**
 * Stops a child a suite started and waits until it has exited (SIGKILL after `graceMs`): a child
 * still running, or its pipes still open, would keep `npm run bench` alive after its last row.
 */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  child.stdout?.destroy();
  child.stderr?.destroy();
}
