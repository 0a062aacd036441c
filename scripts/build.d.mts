// Types of scripts/build.mjs for the TypeScript that imports it (test/helpers, bench/lib).
export declare const REPO_ROOT: string;
export declare const DIST: string;
export declare const BUILD_STAMP: string;
export declare const SOURCE_DIRS: string[];
export declare function distIsFresh(): boolean;
export declare function buildDist(options?: { quiet?: boolean }): Promise<void>;
