/** What the engine's worker tells the page that started it. */
export type WorkerToPage = { type: 'role'; role: 'leader' | 'follower' };
