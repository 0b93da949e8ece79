-- Generated from schema/sql/003_customer_functions.sql by scripts/supabase-migrations.js: edit the source,
-- then run `node scripts/supabase-migrations.js`.

-- The customer domain's functions: the single core every backend calls (embedded PGlite,
-- PostgreSQL, Supabase RPC). Each one takes the caller's organization and environment and
-- filters by them in its own SQL: no caller can forget the tenant.
--
-- Errors raised here use SQLSTATE 22023 (invalid_parameter_value) for bad arguments; the
-- gateway turns database errors into typed errors by SQLSTATE, never by message text.

-- The public face of a customer: internal columns (is_deleted, deleted_at, created_by, SPI
-- aliases) never leave the database through these functions.
create type public_customer as (
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
  updated_at timestamptz
);

create type public_transaction as (
  transaction_id uuid,
  customer_id uuid,
  description text,
  gross_amount numeric(15, 2),
  currency_code text,
  status text,
  created_at timestamptz
);

-- Rejects a call without a valid tenant before any row is read.
create function assert_tenant(p_organization_id uuid, p_environment text) returns void
language plpgsql immutable
set search_path = public, extensions, pg_temp
as $$
begin
  if p_organization_id is null then
    raise exception using errcode = '22023', message = 'organization is required';
  end if;
  if p_environment is null or p_environment not in ('live', 'test') then
    raise exception using errcode = '22023', message = 'environment must be live or test';
  end if;
end
$$;

-- The WHERE clause shared by the list and the count. Only the filters in use are added, so
-- each query is planned for exactly its predicates (the tenant index for a plain list, the
-- trigram index for a search). Values are never spliced in: the clause refers to
-- $1 organization, $2 environment, $3 escaped search pattern.
create function customer_filter_sql(p_search_term text, p_customer_type text, p_activity_status text)
returns text
language plpgsql immutable
set search_path = public, extensions, pg_temp
as $$
declare
  clause text := 'c.organization_id = $1 and c.environment = $2 and not c.is_deleted';
begin
  if nullif(btrim(p_search_term), '') is not null then
    clause := clause || ' and (c.name ilike $3 or c.email ilike $3)';
  end if;

  case lower(coalesce(p_customer_type, 'all'))
    when 'all' then null;
    when 'business' then clause := clause || ' and c.is_business';
    when 'individual' then clause := clause || ' and not c.is_business';
    else raise exception using errcode = '22023', message = 'customer type must be business, individual or all';
  end case;

  case lower(coalesce(p_activity_status, 'all'))
    when 'all' then null;
    when 'active' then clause := clause || ' and exists (' || settled_transaction_sql() || ')';
    when 'inactive' then clause := clause || ' and not exists (' || settled_transaction_sql() || ')';
    else raise exception using errcode = '22023', message = 'activity status must be active, inactive or all';
  end case;

  return clause;
end
$$;

-- "Active" means at least one completed or refunded transaction in the customer's own
-- organization and environment.
create function settled_transaction_sql() returns text
language sql immutable
set search_path = public, extensions, pg_temp
as $$
  select 'select 1 from transactions t where t.customer_id = c.customer_id'
    || ' and t.organization_id = c.organization_id and t.environment = c.environment'
    || ' and t.status in (''completed'', ''refunded'')'
$$;

-- Search is a case-insensitive substring: %, _ and \ in the term are taken literally.
create function contains_pattern(p_search_term text) returns text
language sql immutable
set search_path = public, extensions, pg_temp
as $$
  select '%' || replace(replace(replace(btrim(p_search_term), '\', '\\'), '%', '\%'), '_', '\_') || '%'
$$;

-- Lists customers, newest first (ties: customer_id descending).
-- p_merchant_id is accepted for compatibility and does not narrow the list: the list is
-- organization-wide. total_count is the number of matching rows when p_include_total is
-- true (NULL otherwise). A page past the end has no rows, so callers that need the total
-- there too use count_customers_with_status, which is always right.
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

  -- Deferred join: the page's ids are chosen first from the tenant's index alone (an
  -- index-only scan for a plain list), then only those rows are read. A deep page skips
  -- index entries instead of whole rows: page 1000 reads 50 rows, not 50,000.
  return query execute
    'with page as (select c.customer_id, c.created_at, '
    || case when coalesce(p_include_total, true) then 'count(*) over ()' else 'null::bigint' end
    || ' as total_count from customers c where '
    || customer_filter_sql(p_search_term, p_customer_type, p_activity_status)
    || ' order by c.created_at desc, c.customer_id desc offset $4 limit $5)'
    || ' select c.customer_id, c.organization_id, c.name, c.email, c.phone_number,'
    || ' c.whatsapp_number, c.country, c.city, c.address, c.postal_code, c.is_business,'
    || ' c.metadata, c.environment, c.created_at, c.updated_at, page.total_count'
    || ' from page join customers c on c.customer_id = page.customer_id'
    || ' and c.organization_id = $1 and c.environment = $2'
    || ' order by page.created_at desc, page.customer_id desc'
    using p_organization_id, p_environment, contains_pattern(p_search_term), p_offset, p_limit;
end
$$;

-- The number of customers the same filters match; right for every page, past the last too.
create function count_customers_with_status(
  p_organization_id uuid,
  p_environment text,
  p_search_term text default null,
  p_customer_type text default 'all',
  p_activity_status text default 'all'
)
returns table (total_count bigint)
language plpgsql stable
set search_path = public, extensions, pg_temp
as $$
begin
  perform assert_tenant(p_organization_id, p_environment);
  return query execute
    'select count(*) from customers c where '
    || customer_filter_sql(p_search_term, p_customer_type, p_activity_status)
    using p_organization_id, p_environment, contains_pattern(p_search_term);
end
$$;

-- One customer of the tenant, or no row (missing, deleted, or another tenant's).
create function get_customer_by_organization(
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
         c.created_at, c.updated_at
  from customers c
  where c.customer_id = p_customer_id
    and c.organization_id = p_organization_id
    and c.environment = p_environment
    and not c.is_deleted
$$;

-- Many customers of the tenant in one call (for DataLoaders). Ids not found are absent.
create function get_customers_by_ids(
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
         c.created_at, c.updated_at
  from customers c
  where c.customer_id = any (p_customer_ids)
    and c.organization_id = p_organization_id
    and c.environment = p_environment
    and not c.is_deleted
$$;

-- Creates a customer in one statement. Blank optional fields are stored as NULL, never ''.
-- created_by is the calling merchant, who must belong to the organization (foreign key);
-- the environment is the caller's: there is no default.
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
  p_metadata jsonb default null
)
returns setof public_customer
language plpgsql volatile
set search_path = public, extensions, pg_temp
as $$
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

  return query
  insert into customers as c (
    organization_id, created_by, name, email, phone_number, whatsapp_number, country, city,
    address, postal_code, is_business, metadata, environment
  ) values (
    p_organization_id, p_merchant_id, btrim(p_name), nullif(btrim(p_email), ''),
    nullif(btrim(p_phone_number), ''), nullif(btrim(p_whatsapp_number), ''),
    nullif(btrim(p_country), ''), nullif(btrim(p_city), ''), nullif(btrim(p_address), ''),
    nullif(btrim(p_postal_code), ''), coalesce(p_is_business, false),
    nullif(p_metadata, 'null'::jsonb), p_environment
  )
  returning c.customer_id, c.organization_id, c.name, c.email, c.phone_number,
            c.whatsapp_number, c.country, c.city, c.address, c.postal_code, c.is_business,
            c.metadata, c.environment, c.created_at, c.updated_at;
end
$$;

-- Patches a customer in one atomic statement.
--
-- How "absent" differs from "set to null": p_patch is a JSON object whose keys are the
-- fields to change, with the REST/database field names (name, email, phone_number,
-- whatsapp_number, country, city, address, postal_code, is_business, metadata).
--   - a key that is absent leaves its field as it is;
--   - a key whose value is JSON null clears that optional field (name and is_business
--     cannot be cleared: that is an error);
--   - metadata is replaced whole ({} stays {});
--   - an empty object changes nothing and returns the row as it is.
-- updated_at moves only when a value really changed (trigger touch_updated_at). Because the
-- new values are computed from the row being updated, two concurrent patches of different
-- fields both survive. Returns the row, or no row when the customer is missing, deleted, or
-- another tenant's.
create function update_customer(
  p_customer_id uuid,
  p_organization_id uuid,
  p_environment text,
  p_patch jsonb
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
            c.metadata, c.environment, c.created_at, c.updated_at;
end
$$;

-- Soft delete: the row and its data stay for the audit trail, invisible to every function.
-- Returns true when it deleted, false when there was nothing to delete (missing, already
-- deleted, or another tenant's).
create function delete_customer(
  p_customer_id uuid,
  p_organization_id uuid,
  p_environment text
)
returns table (deleted boolean)
language plpgsql volatile
set search_path = public, extensions, pg_temp
as $$
begin
  perform assert_tenant(p_organization_id, p_environment);
  update customers c set is_deleted = true, deleted_at = now()
  where c.customer_id = p_customer_id
    and c.organization_id = p_organization_id
    and c.environment = p_environment
    and not c.is_deleted;
  return query select found;
end
$$;

-- A customer's completed and refunded transactions, newest first (ties: transaction_id
-- descending). p_limit NULL means all of them. Nothing for a deleted or foreign customer.
create function fetch_customer_transactions(
  p_customer_id uuid,
  p_environment text,
  p_organization_id uuid,
  p_limit integer default null
)
returns setof public_transaction
language sql stable
set search_path = public, extensions, pg_temp
as $$
  select t.transaction_id, t.customer_id, t.description, t.gross_amount, t.currency_code,
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
returns setof public_transaction
language sql stable
set search_path = public, extensions, pg_temp
as $$
  select t.transaction_id, t.customer_id, t.description, t.gross_amount, t.currency_code,
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
