import { defineConfig } from 'drizzle-kit';

// `pnpm --filter @cqt/db db:generate` writes a new migration from src/schema.ts (offline).
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema.ts',
  out: './drizzle',
});
