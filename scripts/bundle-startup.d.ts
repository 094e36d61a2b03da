/** Types of scripts/bundle-startup.js for the tests that import it. */
export function wrapModuleFactories(source: string): string;
export function asciiOnly(source: string, file: string): string;
