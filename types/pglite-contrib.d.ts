// PGlite's contrib typings are ESM-only (TS1479 under CommonJS); these are the parts we use.
declare module '@electric-sql/pglite/contrib/pg_trgm' {
  import type { Extension } from '@electric-sql/pglite';
  export const pg_trgm: Extension;
}
declare module '@electric-sql/pglite/contrib/btree_gin' {
  import type { Extension } from '@electric-sql/pglite';
  export const btree_gin: Extension;
}
