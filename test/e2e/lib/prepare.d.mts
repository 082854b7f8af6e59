/** Types of prepare.mjs for the TypeScript test-electron runner. */
export declare const ROOT: string;
export declare const SUITE_OUT: string;
export declare const USER_SETTINGS: Record<string, unknown>;
export declare const CHROMIUM_ARGS: string[];
export declare function buildSuite(): Promise<string>;
export declare const RESTRICTED_SETTINGS: Record<string, unknown>;
export declare function makeSandbox(name: string, settings?: Record<string, unknown>): { base: string; workspace: string; home: string; userData: string; extensions: string };
