import type { TestProject } from 'vitest/node';
import { probePostgres } from './postgres.js';

/** Vitest `globalSetup`: looks for PostgreSQL once per run (see probePostgres) and tells every test file. */
export default async function setup(project: TestProject): Promise<void> {
  project.provide('postgres', await probePostgres());
}
