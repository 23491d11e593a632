// The one public entry point. Everything a user needs is exported from here.
export * from './engine/index.ts';
