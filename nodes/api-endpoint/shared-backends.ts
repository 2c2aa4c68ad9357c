// Where several api-endpoints (gateways) share their state: the names of the environment variables holding a
// PostgreSQL URL (API keys, usage log) and a Redis URL (rate-limit windows, concurrency, budget spend). Names only:
// the URLs carry passwords, which never enter a pipeline file. Left out: the engine's SQLite database and windows
// kept in the process, as before.
import { z } from 'zod';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const sharedBackendFields = {
  storeEnv: z
    .string()
    .max(128)
    .optional()
    .describe('Name of the environment variable holding a postgres:// URL for API keys and the usage log, shared by several gateways; left out: the engine\'s SQLite database.'),
  limitsEnv: z
    .string()
    .max(128)
    .optional()
    .describe('Name of the environment variable holding a redis:// URL for rate-limit windows, concurrency and budget spend, shared by several gateways; left out: kept in this process.'),
};

/** Problems the schema cannot say: a URL (or anything else) where the name of an environment variable belongs. */
export function checkSharedBackends(config: { storeEnv?: string; limitsEnv?: string }): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  for (const [field, example, scheme] of [['storeEnv', 'CRUCIBLE_STORE_URL', 'postgres://'], ['limitsEnv', 'CRUCIBLE_LIMITS_URL', 'redis://']] as const) {
    const value = config[field];
    if (value === undefined || ENV_NAME.test(value)) continue;
    problems.push({ field, message: `must name an environment variable (letters, digits, _; e.g. ${example}) that holds the ${scheme} URL; never put the URL itself, with its password, in the pipeline file` });
  }
  return problems;
}
