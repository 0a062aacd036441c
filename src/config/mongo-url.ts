/**
 * MongoDB URL helpers that do not need the driver (mongo-store.ts loads it, about 20 MB of RSS;
 * main.ts imports that module only when the node uses MongoDB).
 */

/** The URL with any password replaced, for logs and errors. */
export function redactMongoUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
}
