import type { EngineStatus } from './db.ts';

/**
 * What the engine's worker tells the page that started it. Status goes this way as well as
 * through the database, because when storage fails the database cannot carry the news.
 */
export type WorkerToPage = { type: 'role'; role: 'leader' | 'follower' } | { type: 'status'; status: EngineStatus };
