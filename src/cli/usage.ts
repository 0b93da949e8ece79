export const USAGE = `usage: npm run --silent cli -- <command> [flags]

commands (each prints one JSON document on stdout):
  migrate
      apply pending migrations                      -> {"applied": [...]}
  org create --name NAME
      create an organization and its first merchant -> {"organizationId", "merchantId"}
  key create --organization ID --environment live|test [--merchant ID] [--name NAME] [--expires-in-days N]
      create an API key, shown only here            -> {"id", "apiKey", "environment"}
  key list --organization ID
      list an organization's keys (never the keys)  -> {"keys": [...]}
  key revoke --id ID
      revoke an active key                          -> {"id", "revokedAt"}
  seed --organization ID --environment live|test --customers N [--transactions-per-customer M]
      add demo customers and transactions           -> {"customers", "transactions"}
  idempotency purge
      delete every tenant's idempotency records older than 24 hours -> {"purged"}

The database is DATABASE_URL when set, else the embedded one in DATA_DIR (default .data).`;
