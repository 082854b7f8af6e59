/** The product version, stamped at build time from package.json (falls back when run from source). */
declare const __VERSION__: string | undefined;
export const VERSION: string = typeof __VERSION__ !== 'undefined' ? __VERSION__ : '0.1.0';
