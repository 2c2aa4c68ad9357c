// Types Vite provides at build time (CSS and asset imports, import.meta.env) for the TypeScript check.
/// <reference types="vite/client" />
