-- Generated from schema/sql/002_tables.sql by scripts/supabase-migrations.js: edit the source,
-- then run `node scripts/supabase-migrations.js`.

-- Tables of the customer domain. Runs unchanged on PostgreSQL 15+, PGlite and Supabase.
-- Environments are lower case in the database: 'live' or 'test'.

create table organizations (
  organization_id uuid primary key default gen_random_uuid(),
  name text not null check (length(btrim(name)) between 1 and 200),
  created_at timestamptz not null default now()
);

create table merchants (
  merchant_id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (organization_id) on delete cascade,
  name text not null check (length(btrim(name)) between 1 and 200),
  created_at timestamptz not null default now(),
  -- lets other tables require that a merchant belongs to the organization they name
  unique (organization_id, merchant_id)
);

-- API keys are never stored: only the SHA-256 hash (hex) of the whole key, and a short
-- display prefix so a person can tell keys apart in listings.
create table api_keys (
  api_key_id uuid primary key default gen_random_uuid(),
  organization_id uuid not null,
  merchant_id uuid not null,
  key_hash text not null unique check (key_hash ~ '^[0-9a-f]{64}$'),
  key_prefix text not null check (length(key_prefix) between 4 and 32),
  name text not null default 'API key' check (length(btrim(name)) between 1 and 100),
  environment text not null check (environment in ('live', 'test')),
  is_active boolean not null default true,
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz,
  created_at timestamptz not null default now(),
  foreign key (organization_id, merchant_id)
    references merchants (organization_id, merchant_id) on delete cascade
);
create index api_keys_organization_idx on api_keys (organization_id, created_at desc);

create table customers (
  customer_id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (organization_id),
  created_by uuid,
  name text not null check (length(btrim(name)) between 1 and 200),
  email text,
  phone_number text,
  whatsapp_number text,
  country text,
  city text,
  address text,
  postal_code text,
  is_business boolean not null default false,
  metadata jsonb check (metadata is null or jsonb_typeof(metadata) = 'object'),
  environment text not null check (environment in ('live', 'test')),
  spi_alias_shid text,
  spi_alias_mbno text,
  spi_primary_alias text,
  is_deleted boolean not null default false,
  deleted_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- empty strings are never stored: an absent value is NULL
  check (email <> '' and phone_number <> '' and whatsapp_number <> '' and country <> ''
         and city <> '' and address <> '' and postal_code <> ''),
  check (is_deleted = (deleted_at is not null)),
  -- the creator must be a merchant of the same organization
  foreign key (organization_id, created_by) references merchants (organization_id, merchant_id),
  -- target of the transactions' tenant-consistent foreign key
  unique (customer_id, organization_id, environment)
);

-- The list: one tenant's live rows, newest first, without touching other tenants.
create index customers_tenant_recent_idx
  on customers (organization_id, environment, created_at desc, customer_id desc)
  where not is_deleted;

-- Search: case-insensitive substring of name or email, inside one tenant.
create index customers_tenant_search_idx
  on customers using gin (organization_id, environment, name gin_trgm_ops, email gin_trgm_ops)
  where not is_deleted;

create table transactions (
  transaction_id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (organization_id),
  customer_id uuid,
  description text,
  gross_amount numeric(15, 2) not null check (gross_amount > 0),
  currency_code text not null check (currency_code ~ '^[A-Z]{3}$'),
  status text not null check (status in ('pending', 'completed', 'failed', 'refunded', 'expired')),
  environment text not null check (environment in ('live', 'test')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- a transaction belongs to a customer of the same organization and environment
  foreign key (customer_id, organization_id, environment)
    references customers (customer_id, organization_id, environment)
);

-- A customer's settled (completed or refunded) transactions, newest first; also answers
-- "has at least one settled transaction" for the activity filter. The tenant columns sit
-- right after customer_id so the activity filter's probe is an index-only scan whose index
-- condition holds the organization and environment (not a filter on fetched rows); the
-- equality on all three keeps the newest-first order for the transaction lists.
create index transactions_customer_settled_idx
  on transactions (customer_id, organization_id, environment, created_at desc, transaction_id desc)
  where status in ('completed', 'refunded');
create index transactions_tenant_recent_idx
  on transactions (organization_id, environment, created_at desc);

-- updated_at moves only when a row really changes.
create function touch_updated_at() returns trigger
language plpgsql
set search_path = public, extensions, pg_temp
as $$
begin
  if new is distinct from old then
    new.updated_at := now();
  end if;
  return new;
end
$$;

create trigger customers_touch_updated_at before update on customers
  for each row execute function touch_updated_at();
create trigger transactions_touch_updated_at before update on transactions
  for each row execute function touch_updated_at();
