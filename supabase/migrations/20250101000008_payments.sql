-- Generated from schema/sql/008_payments.sql by scripts/supabase-migrations.js: edit the source,
-- then run `node scripts/supabase-migrations.js`.

-- Payments-grade data: exact money, customer totals, versions (optimistic concurrency),
-- idempotent creates, restore and erase. Runs on PostgreSQL 15+, PGlite and Supabase.
--
-- Custom SQLSTATEs raised here (the gateway maps them by code, never by message text):
--   CV001  the customer's version is not the expected one (nothing was written)
--   CI001  an idempotency key was used with a different input (nothing was written)

------------------------------------------------------------------------------------------
-- Exact money. PostgREST (Supabase) writes numeric as a JSON number, which a JSON parser
-- turns into a binary float ("0.10" becomes 0.1). The transaction functions therefore return
-- gross_amount as its exact decimal text (numeric(15,2): always two decimals), so no backend
-- ever has a float on the amount's path.
------------------------------------------------------------------------------------------

drop function fetch_customer_transactions(uuid, text, uuid, integer);
drop function fetch_transactions_for_customers(uuid[], uuid, text, integer);

-- A customer's completed and refunded transactions, newest first (ties: transaction_id
-- descending). p_limit NULL means all of them. Nothing for a deleted or foreign customer.
create function fetch_customer_transactions(
  p_customer_id uuid,
  p_environment text,
  p_organization_id uuid,
  p_limit integer default null
)
returns table (
  transaction_id uuid,
  customer_id uuid,
  description text,
  gross_amount text,
  currency_code text,
  status text,
  created_at timestamptz
)
language sql stable
set search_path = public, extensions, pg_temp
as $$
  select t.transaction_id, t.customer_id, t.description, t.gross_amount::text, t.currency_code,
         t.status, t.created_at
  from customers c
  join transactions t
    on t.customer_id = c.customer_id
   and t.organization_id = c.organization_id
   and t.environment = c.environment
  where c.customer_id = p_customer_id
    and c.organization_id = p_organization_id
    and c.environment = p_environment
    and not c.is_deleted
    and t.status in ('completed', 'refunded')
  order by t.created_at desc, t.transaction_id desc
  limit p_limit
$$;

-- The settled transactions of many customers in one call (for DataLoaders), newest first
-- per customer, at most p_limit_per_customer each (NULL: all).
create function fetch_transactions_for_customers(
  p_customer_ids uuid[],
  p_organization_id uuid,
  p_environment text,
  p_limit_per_customer integer default null
)
returns table (
  transaction_id uuid,
  customer_id uuid,
  description text,
  gross_amount text,
  currency_code text,
  status text,
  created_at timestamptz
)
language sql stable
set search_path = public, extensions, pg_temp
as $$
  select t.transaction_id, t.customer_id, t.description, t.gross_amount::text, t.currency_code,
         t.status, t.created_at
  from customers c
  cross join lateral (
    select t.*
    from transactions t
    where t.customer_id = c.customer_id
      and t.organization_id = c.organization_id
      and t.environment = c.environment
      and t.status in ('completed', 'refunded')
    order by t.created_at desc, t.transaction_id desc
    limit p_limit_per_customer
  ) t
  where c.customer_id = any (p_customer_ids)
    and c.organization_id = p_organization_id
    and c.environment = p_environment
    and not c.is_deleted
  order by t.customer_id, t.created_at desc, t.transaction_id desc
$$;

-- Totals of many customers in one call (one per page of customers, for DataLoaders):
-- how many settled (completed or refunded) transactions, when the newest was made, and per
-- currency the exact sum of the completed ones, summed as numeric and sent as text
-- ([{"currency_code": "XOF", "amount": "15000.00"}], sorted by currency code). Customers
-- with no settled transaction get 0, NULL and []; ids not found are absent.
create function fetch_customer_totals(
  p_customer_ids uuid[],
  p_organization_id uuid,
  p_environment text
)
returns table (
  customer_id uuid,
  transaction_count integer,
  last_transaction_at timestamptz,
  amount_spent jsonb
)
language sql stable
set search_path = public, extensions, pg_temp
as $$
  select c.customer_id,
         coalesce(s.settled, 0)::integer,
         s.last_at,
         coalesce(s.spent, '[]'::jsonb)
  from customers c
  left join lateral (
    select sum(g.settled) as settled,
           max(g.last_at) as last_at,
           jsonb_agg(jsonb_build_object('currency_code', g.currency_code, 'amount', g.spent::text)
                     order by g.currency_code) filter (where g.spent is not null) as spent
    from (
      select t.currency_code,
             count(*) as settled,
             max(t.created_at) as last_at,
             sum(t.gross_amount) filter (where t.status = 'completed') as spent
      from transactions t
      where t.customer_id = c.customer_id
        and t.organization_id = c.organization_id
        and t.environment = c.environment
        and t.status in ('completed', 'refunded')
      group by t.currency_code
    ) g
  ) s on true
  where c.customer_id = any (p_customer_ids)
    and c.organization_id = p_organization_id
    and c.environment = p_environment
    and not c.is_deleted
$$;

------------------------------------------------------------------------------------------
-- Versions. Kept by a trigger, so every writer counts, the functions and plain SQL alike.
-- Existing rows start at 1.
------------------------------------------------------------------------------------------

alter table customers add column version integer not null default 1 check (version >= 1);
-- Set once by eraseCustomer: an erased customer can never be restored or erased again.
alter table customers add column erased_at timestamptz;
alter table customers add check (erased_at is null or is_deleted);

-- The version grows by one when a row really changes and never otherwise; a writer cannot
-- set it. updated_at (moved by touch_updated_at, which runs first: triggers fire in name
-- order) is left out of the comparison, so it alone does not count as a change; when
-- nothing else changed (a write of the version alone) it is put back as well.
create function keep_customer_version() returns trigger
language plpgsql
set search_path = public, extensions, pg_temp
as $$
declare
  probe customers;
begin
  probe := new;
  probe.version := old.version;
  probe.updated_at := old.updated_at;
  if probe is distinct from old then
    new.version := old.version + 1;
  else
    new.version := old.version;
    new.updated_at := old.updated_at;
  end if;
  return new;
end
$$;

create trigger customers_version before update on customers
  for each row execute function keep_customer_version();

alter type public_customer add attribute version integer;

-- One customer of the tenant, or no row (missing, deleted, or another tenant's).
create or replace function get_customer_by_organization(
  p_customer_id uuid,
  p_organization_id uuid,
  p_environment text
)
returns setof public_customer
language sql stable
set search_path = public, extensions, pg_temp
as $$
  select c.customer_id, c.organization_id, c.name, c.email, c.phone_number, c.whatsapp_number,
         c.country, c.city, c.address, c.postal_code, c.is_business, c.metadata, c.environment,
         c.created_at, c.updated_at, c.version
  from customers c
  where c.customer_id = p_customer_id
    and c.organization_id = p_organization_id
    and c.environment = p_environment
    and not c.is_deleted
$$;

-- Many customers of the tenant in one call (for DataLoaders). Ids not found are absent.
create or replace function get_customers_by_ids(
  p_customer_ids uuid[],
  p_organization_id uuid,
  p_environment text
)
returns setof public_customer
language sql stable
set search_path = public, extensions, pg_temp
as $$
  select c.customer_id, c.organization_id, c.name, c.email, c.phone_number, c.whatsapp_number,
         c.country, c.city, c.address, c.postal_code, c.is_business, c.metadata, c.environment,
         c.created_at, c.updated_at, c.version
  from customers c
  where c.customer_id = any (p_customer_ids)
    and c.organization_id = p_organization_id
    and c.environment = p_environment
    and not c.is_deleted
$$;

-- The list, as in 003, with each customer's version.
drop function fetch_customers_with_status(uuid, uuid, text, text, text, integer, integer, text, boolean);
create function fetch_customers_with_status(
  p_merchant_id uuid,
  p_organization_id uuid,
  p_search_term text,
  p_customer_type text,
  p_activity_status text,
  p_offset integer,
  p_limit integer,
  p_environment text,
  p_include_total boolean default true
)
returns table (
  customer_id uuid,
  organization_id uuid,
  name text,
  email text,
  phone_number text,
  whatsapp_number text,
  country text,
  city text,
  address text,
  postal_code text,
  is_business boolean,
  metadata jsonb,
  environment text,
  created_at timestamptz,
  updated_at timestamptz,
  version integer,
  total_count bigint
)
language plpgsql stable
set search_path = public, extensions, pg_temp
as $$
begin
  perform assert_tenant(p_organization_id, p_environment);
  if p_offset is null or p_offset < 0 then
    raise exception using errcode = '22023', message = 'offset must be 0 or more';
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 200 then
    raise exception using errcode = '22023', message = 'limit must be between 1 and 200';
  end if;

  -- Deferred join (see 003): the page's ids from the tenant's index first, then those rows.
  return query execute
    'with page as (select c.customer_id, c.created_at, '
    || case when coalesce(p_include_total, true) then 'count(*) over ()' else 'null::bigint' end
    || ' as total_count from customers c where '
    || customer_filter_sql(p_search_term, p_customer_type, p_activity_status)
    || ' order by c.created_at desc, c.customer_id desc offset $4 limit $5)'
    || ' select c.customer_id, c.organization_id, c.name, c.email, c.phone_number,'
    || ' c.whatsapp_number, c.country, c.city, c.address, c.postal_code, c.is_business,'
    || ' c.metadata, c.environment, c.created_at, c.updated_at, c.version, page.total_count'
    || ' from page join customers c on c.customer_id = page.customer_id'
    || ' and c.organization_id = $1 and c.environment = $2'
    || ' order by page.created_at desc, page.customer_id desc'
    using p_organization_id, p_environment, contains_pattern(p_search_term), p_offset, p_limit;
end
$$;

------------------------------------------------------------------------------------------
-- Idempotent creates. A record holds the key, a hash of the normalised input and the id of
-- the customer the first call created: no personal data. Keys are per organization and
-- environment and live 24 hours. Expired records of a tenant are purged on its writes
-- (purge_expired_idempotency_keys) and for all tenants by the admin CLI
-- (purge_idempotency_keys).
------------------------------------------------------------------------------------------

create table idempotency_keys (
  organization_id uuid not null references organizations (organization_id) on delete cascade,
  environment text not null check (environment in ('live', 'test')),
  idempotency_key text not null check (idempotency_key ~ '^[\x20-\x7e]{1,255}$'),
  -- NULL once the customer is erased: even a hash of erased data is not kept
  input_hash text check (input_hash is null or input_hash ~ '^[0-9a-f]{64}$'),
  customer_id uuid not null,
  created_at timestamptz not null default now(),
  primary key (organization_id, environment, idempotency_key)
);
create index idempotency_keys_expiry_idx on idempotency_keys (organization_id, environment, created_at);
create index idempotency_keys_customer_idx on idempotency_keys (customer_id);

-- Deletes a tenant's expired records (a bounded batch per call; rows another transaction
-- is deleting are skipped rather than waited for).
create function purge_expired_idempotency_keys(p_organization_id uuid, p_environment text)
returns void
language sql volatile
set search_path = public, extensions, pg_temp
as $$
  delete from idempotency_keys k
  where (k.organization_id, k.environment, k.idempotency_key) in (
    select e.organization_id, e.environment, e.idempotency_key
    from idempotency_keys e
    where e.organization_id = p_organization_id
      and e.environment = p_environment
      and e.created_at < now() - interval '24 hours'
    limit 1000
    for update skip locked
  )
$$;

-- Admin: deletes every tenant's expired records; returns how many.
create function purge_idempotency_keys()
returns table (purged bigint)
language sql volatile
set search_path = public, extensions, pg_temp
as $$
  with gone as (
    delete from idempotency_keys k where k.created_at < now() - interval '24 hours' returning 1
  )
  select count(*) from gone
$$;

-- Creates a customer in one statement. Blank optional fields are stored as NULL, never ''.
-- created_by is the calling merchant, who must belong to the organization (foreign key);
-- the environment is the caller's: there is no default.
--
-- p_idempotency_key (1-255 printable ASCII characters, optional): for 24 hours, a call with
-- the same key and the same normalised input returns the customer the first call created,
-- as it is now, and creates nothing; no row when that customer has since been deleted or
-- erased. The same key with another input raises CI001. Calls with one key are serialised
-- by a transaction-scoped advisory lock, so concurrent retries create exactly one customer.
-- A call that fails rolls back with its record: its key is not used up.
drop function create_customer(uuid, uuid, text, text, text, text, text, text, text, text, boolean, text, jsonb);
create function create_customer(
  p_merchant_id uuid,
  p_organization_id uuid,
  p_name text,
  p_email text default null,
  p_phone_number text default null,
  p_whatsapp_number text default null,
  p_country text default null,
  p_city text default null,
  p_address text default null,
  p_postal_code text default null,
  p_is_business boolean default false,
  p_environment text default null,
  p_metadata jsonb default null,
  p_idempotency_key text default null
)
returns setof public_customer
language plpgsql volatile
set search_path = public, extensions, pg_temp
as $$
declare
  v_input jsonb;
  v_hash text;
  v_record idempotency_keys;
  v_id uuid;
begin
  perform assert_tenant(p_organization_id, p_environment);
  -- the foreign key on created_by lets NULL through: a customer must have its creator
  if p_merchant_id is null then
    raise exception using errcode = '22023', message = 'merchant is required';
  end if;
  if nullif(btrim(p_name), '') is null then
    raise exception using errcode = '22023', message = 'name must not be blank';
  end if;
  -- JSON null is stored as NULL (below), as update_customer does
  if p_metadata is not null and jsonb_typeof(p_metadata) not in ('object', 'null') then
    raise exception using errcode = '22023', message = 'metadata must be a JSON object';
  end if;
  if p_idempotency_key is not null and p_idempotency_key !~ '^[\x20-\x7e]{1,255}$' then
    raise exception using errcode = '22023', message = 'idempotency key must be 1-255 printable ASCII characters';
  end if;

  perform purge_expired_idempotency_keys(p_organization_id, p_environment);

  -- The values as stored: what "the same input" is compared on.
  v_input := jsonb_build_object(
    'name', btrim(p_name),
    'email', nullif(btrim(p_email), ''),
    'phone_number', nullif(btrim(p_phone_number), ''),
    'whatsapp_number', nullif(btrim(p_whatsapp_number), ''),
    'country', nullif(btrim(p_country), ''),
    'city', nullif(btrim(p_city), ''),
    'address', nullif(btrim(p_address), ''),
    'postal_code', nullif(btrim(p_postal_code), ''),
    'is_business', coalesce(p_is_business, false),
    'metadata', nullif(p_metadata, 'null'::jsonb)
  );

  if p_idempotency_key is not null then
    -- jsonb's text form is canonical (keys sorted), so equal inputs hash equally.
    v_hash := encode(sha256(convert_to(v_input::text, 'UTF8')), 'hex');
    perform pg_advisory_xact_lock(
      hashtextextended(p_organization_id::text || '/' || p_environment || '/' || p_idempotency_key, 8008));
    select * into v_record
    from idempotency_keys k
    where k.organization_id = p_organization_id
      and k.environment = p_environment
      and k.idempotency_key = p_idempotency_key
      and k.created_at >= now() - interval '24 hours';
    if found then
      -- an erased customer's record keeps no hash: whatever the input, there is nothing to return
      if v_record.input_hash is not null and v_record.input_hash <> v_hash then
        raise exception using errcode = 'CI001', message = 'idempotency key already used with another input';
      end if;
      return query
      select c.customer_id, c.organization_id, c.name, c.email, c.phone_number, c.whatsapp_number,
             c.country, c.city, c.address, c.postal_code, c.is_business, c.metadata, c.environment,
             c.created_at, c.updated_at, c.version
      from customers c
      where c.customer_id = v_record.customer_id
        and c.organization_id = p_organization_id
        and c.environment = p_environment
        and not c.is_deleted;
      return;
    end if;
  end if;

  insert into customers as c (
    organization_id, created_by, name, email, phone_number, whatsapp_number, country, city,
    address, postal_code, is_business, metadata, environment
  ) values (
    p_organization_id, p_merchant_id, v_input ->> 'name', v_input ->> 'email',
    v_input ->> 'phone_number', v_input ->> 'whatsapp_number', v_input ->> 'country',
    v_input ->> 'city', v_input ->> 'address', v_input ->> 'postal_code',
    (v_input ->> 'is_business')::boolean, nullif(v_input -> 'metadata', 'null'::jsonb), p_environment
  )
  returning c.customer_id into v_id;

  if p_idempotency_key is not null then
    -- an expired record of the same key that the purge did not reach is replaced
    insert into idempotency_keys as k (organization_id, environment, idempotency_key, input_hash, customer_id)
    values (p_organization_id, p_environment, p_idempotency_key, v_hash, v_id)
    on conflict (organization_id, environment, idempotency_key)
    do update set input_hash = excluded.input_hash, customer_id = excluded.customer_id, created_at = now();
  end if;

  return query
  select c.customer_id, c.organization_id, c.name, c.email, c.phone_number, c.whatsapp_number,
         c.country, c.city, c.address, c.postal_code, c.is_business, c.metadata, c.environment,
         c.created_at, c.updated_at, c.version
  from customers c
  where c.customer_id = v_id;
end
$$;

------------------------------------------------------------------------------------------
-- Update and delete with an optional expected version.
------------------------------------------------------------------------------------------

-- Locks the tenant's live customer and checks its version. Returns false when there is no
-- such customer (missing, deleted, another tenant's); raises CV001 when p_expected_version
-- is given and differs, so the caller writes nothing.
create function lock_customer_at_version(
  p_customer_id uuid,
  p_organization_id uuid,
  p_environment text,
  p_expected_version integer
)
returns boolean
language plpgsql volatile
set search_path = public, extensions, pg_temp
as $$
declare
  v_version integer;
begin
  select c.version into v_version
  from customers c
  where c.customer_id = p_customer_id
    and c.organization_id = p_organization_id
    and c.environment = p_environment
    and not c.is_deleted
  for update;
  if not found then
    return false;
  end if;
  if p_expected_version is not null and v_version <> p_expected_version then
    raise exception using errcode = 'CV001', message = 'version mismatch';
  end if;
  return true;
end
$$;

-- Patches a customer in one atomic statement; see 003 for how absent keys differ from
-- nulls. With p_expected_version, a customer at another version is not changed (CV001).
drop function update_customer(uuid, uuid, text, jsonb);
create function update_customer(
  p_customer_id uuid,
  p_organization_id uuid,
  p_environment text,
  p_patch jsonb,
  p_expected_version integer default null
)
returns setof public_customer
language plpgsql volatile
set search_path = public, extensions, pg_temp
as $$
declare
  k text;
  expected text;
begin
  perform assert_tenant(p_organization_id, p_environment);
  if p_patch is null or jsonb_typeof(p_patch) <> 'object' then
    raise exception using errcode = '22023', message = 'patch must be a JSON object';
  end if;

  for k in select jsonb_object_keys(p_patch) loop
    expected := case k
      when 'name' then 'string'
      when 'email' then 'string'
      when 'phone_number' then 'string'
      when 'whatsapp_number' then 'string'
      when 'country' then 'string'
      when 'city' then 'string'
      when 'address' then 'string'
      when 'postal_code' then 'string'
      when 'is_business' then 'boolean'
      when 'metadata' then 'object'
    end;
    if expected is null then
      raise exception using errcode = '22023', message = format('unknown field %s', k);
    end if;
    if jsonb_typeof(p_patch -> k) = 'null' then
      if k in ('name', 'is_business') then
        raise exception using errcode = '22023', message = format('%s cannot be null', k);
      end if;
    elsif jsonb_typeof(p_patch -> k) <> expected then
      raise exception using errcode = '22023', message = format('%s must be a %s', k, expected);
    end if;
  end loop;
  if p_patch ? 'name' and btrim(p_patch ->> 'name') = '' then
    raise exception using errcode = '22023', message = 'name must not be blank';
  end if;

  if not lock_customer_at_version(p_customer_id, p_organization_id, p_environment, p_expected_version) then
    return;
  end if;
  perform purge_expired_idempotency_keys(p_organization_id, p_environment);

  return query
  update customers as c set
    name = case when p_patch ? 'name' then btrim(p_patch ->> 'name') else c.name end,
    email = case when p_patch ? 'email' then nullif(btrim(p_patch ->> 'email'), '') else c.email end,
    phone_number = case when p_patch ? 'phone_number'
      then nullif(btrim(p_patch ->> 'phone_number'), '') else c.phone_number end,
    whatsapp_number = case when p_patch ? 'whatsapp_number'
      then nullif(btrim(p_patch ->> 'whatsapp_number'), '') else c.whatsapp_number end,
    country = case when p_patch ? 'country' then nullif(btrim(p_patch ->> 'country'), '') else c.country end,
    city = case when p_patch ? 'city' then nullif(btrim(p_patch ->> 'city'), '') else c.city end,
    address = case when p_patch ? 'address' then nullif(btrim(p_patch ->> 'address'), '') else c.address end,
    postal_code = case when p_patch ? 'postal_code'
      then nullif(btrim(p_patch ->> 'postal_code'), '') else c.postal_code end,
    is_business = case when p_patch ? 'is_business'
      then (p_patch ->> 'is_business')::boolean else c.is_business end,
    metadata = case when p_patch ? 'metadata'
      then nullif(p_patch -> 'metadata', 'null'::jsonb) else c.metadata end
  where c.customer_id = p_customer_id
    and c.organization_id = p_organization_id
    and c.environment = p_environment
    and not c.is_deleted
  returning c.customer_id, c.organization_id, c.name, c.email, c.phone_number,
            c.whatsapp_number, c.country, c.city, c.address, c.postal_code, c.is_business,
            c.metadata, c.environment, c.created_at, c.updated_at, c.version;
end
$$;

-- Soft delete, as in 003. With p_expected_version, a customer at another version is not
-- deleted (CV001).
drop function delete_customer(uuid, uuid, text);
create function delete_customer(
  p_customer_id uuid,
  p_organization_id uuid,
  p_environment text,
  p_expected_version integer default null
)
returns table (deleted boolean)
language plpgsql volatile
set search_path = public, extensions, pg_temp
as $$
begin
  perform assert_tenant(p_organization_id, p_environment);
  if not lock_customer_at_version(p_customer_id, p_organization_id, p_environment, p_expected_version) then
    return query select false;
    return;
  end if;
  perform purge_expired_idempotency_keys(p_organization_id, p_environment);
  update customers c set is_deleted = true, deleted_at = now()
  where c.customer_id = p_customer_id
    and c.organization_id = p_organization_id
    and c.environment = p_environment
    and not c.is_deleted;
  return query select found;
end
$$;

------------------------------------------------------------------------------------------
-- Restore and erase.
------------------------------------------------------------------------------------------

-- Brings a soft-deleted customer of the tenant back with all its data; a customer that is
-- not deleted is returned unchanged. No row when it is erased, missing or another tenant's.
create function restore_customer(
  p_customer_id uuid,
  p_organization_id uuid,
  p_environment text
)
returns setof public_customer
language plpgsql volatile
set search_path = public, extensions, pg_temp
as $$
begin
  perform assert_tenant(p_organization_id, p_environment);
  perform purge_expired_idempotency_keys(p_organization_id, p_environment);
  update customers c set is_deleted = false, deleted_at = null
  where c.customer_id = p_customer_id
    and c.organization_id = p_organization_id
    and c.environment = p_environment
    and c.is_deleted
    and c.erased_at is null;
  return query
  select c.customer_id, c.organization_id, c.name, c.email, c.phone_number, c.whatsapp_number,
         c.country, c.city, c.address, c.postal_code, c.is_business, c.metadata, c.environment,
         c.created_at, c.updated_at, c.version
  from customers c
  where c.customer_id = p_customer_id
    and c.organization_id = p_organization_id
    and c.environment = p_environment
    and not c.is_deleted;
end
$$;

-- Who erased which customer and when: no personal data, only ids and the time.
create table customer_erasures (
  customer_id uuid primary key,
  organization_id uuid not null references organizations (organization_id) on delete cascade,
  environment text not null check (environment in ('live', 'test')),
  merchant_id uuid not null,
  erased_at timestamptz not null default now(),
  foreign key (organization_id, merchant_id) references merchants (organization_id, merchant_id)
);

-- Irreversibly removes a customer's personal data (the name becomes "Erased customer";
-- email, phone and WhatsApp numbers, address, city, postal code, country, metadata and the
-- SPI aliases become NULL), marks it deleted (keeping the first deletion time) and records
-- the erasure. Its transactions stay, for accounting. The hashes of its idempotency records
-- go too (the records stay, so a retry of its create finds it gone). Works on deleted
-- customers; false (nothing done) when it is missing, another tenant's or already erased.
-- The old values remain in dead row versions until VACUUM reclaims them (autovacuum, or
-- VACUUM customers).
create function erase_customer(
  p_customer_id uuid,
  p_organization_id uuid,
  p_environment text,
  p_merchant_id uuid
)
returns table (erased boolean)
language plpgsql volatile
set search_path = public, extensions, pg_temp
as $$
begin
  perform assert_tenant(p_organization_id, p_environment);
  if p_merchant_id is null then
    raise exception using errcode = '22023', message = 'merchant is required';
  end if;
  perform purge_expired_idempotency_keys(p_organization_id, p_environment);
  update customers c set
    name = 'Erased customer',
    email = null, phone_number = null, whatsapp_number = null, country = null, city = null,
    address = null, postal_code = null, metadata = null,
    spi_alias_shid = null, spi_alias_mbno = null, spi_primary_alias = null,
    is_deleted = true, deleted_at = coalesce(c.deleted_at, now()), erased_at = now()
  where c.customer_id = p_customer_id
    and c.organization_id = p_organization_id
    and c.environment = p_environment
    and c.erased_at is null;
  if not found then
    return query select false;
    return;
  end if;
  update idempotency_keys k set input_hash = null
  where k.customer_id = p_customer_id
    and k.organization_id = p_organization_id
    and k.environment = p_environment;
  insert into customer_erasures (customer_id, organization_id, environment, merchant_id)
  values (p_customer_id, p_organization_id, p_environment, p_merchant_id);
  return query select true;
end
$$;

------------------------------------------------------------------------------------------
-- Access on Supabase, as 006 does for the earlier functions: only service_role may call
-- the functions and read the tables.
------------------------------------------------------------------------------------------
do $$
declare
  fn record;
begin
  for fn in
    select p.oid::regprocedure as signature
    from pg_proc p
    join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'public'
      and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
  loop
    execute format('revoke all on function %s from public', fn.signature);
    if exists (select 1 from pg_roles where rolname = 'anon') then
      execute format('revoke all on function %s from anon', fn.signature);
    end if;
    if exists (select 1 from pg_roles where rolname = 'authenticated') then
      execute format('revoke all on function %s from authenticated', fn.signature);
    end if;
    if exists (select 1 from pg_roles where rolname = 'service_role') then
      execute format('grant execute on function %s to service_role', fn.signature);
    end if;
  end loop;
  if exists (select 1 from pg_roles where rolname = 'anon') then
    execute 'revoke all on idempotency_keys, customer_erasures from anon';
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    execute 'revoke all on idempotency_keys, customer_erasures from authenticated';
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    execute 'grant all on idempotency_keys, customer_erasures to service_role';
  end if;
end
$$;
