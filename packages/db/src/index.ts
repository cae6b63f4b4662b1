export * from './schema.js';
export { openDb, type Db, type Backend, type OpenDbOptions } from './open.js';
export { runMigrations, schemaVersion, migrationJournal, migrationsFolder, type SchemaVersion } from './migrate.js';
export { BulkWriter, createWriter, replaySpills, tableMeta, unnestStatement, type RowOf, type SpillReplay, type WriterOptions, type WriterStats } from './writer.js';
export { isDataError } from './errors.js';
export { isAlive } from './embedded/ownerLock.js';
export { dbStatus, type DbStatus, type TableStatus } from './status.js';
