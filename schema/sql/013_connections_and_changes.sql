-- Cursor connections (keyset pages in three sort orders) and the change feed for offline sync.
-- Runs on PostgreSQL 15+, PGlite and Supabase.
--
-- Keyset pages: a page continues after the last row of the previous one, found by its sort
-- key and id in an index, so a deep page costs what the first costs (an offset walks every
-- row before it). Timestamps leave these functions also as full-precision text
-- (YYYY-MM-DDTHH:MI:SS.ffffffZ, UTC), so a cursor carries the database's microseconds and
-- never a value rounded on its way through a client's clock type.

------------------------------------------------------------------------------------------
-- Indexes, one per sort order, tenant first and only live rows (as the list's). Newest first
-- by created_at is customers_tenant_recent_idx (002).
------------------------------------------------------------------------------------------

create index customers_tenant_updated_idx
  on customers (organization_id, environment, updated_at desc, customer_id desc)
  where not is_deleted;

create index customers_tenant_name_idx
  on customers (organization_id, environment, lower(name), customer_id)
  where not is_deleted;

-- The sort orders: the key's expression, its type (for the cursor's value) and its text
-- form (what a cursor carries). Values are never spliced in: only these fixed fragments.
create function customer_sort_sql(p_sort_key text, out key_sql text, out key_type text, out key_text_sql text)
language plpgsql immutable
set search_path = public, extensions, pg_temp
as $$
begin
  case p_sort_key
    when 'created_at' then
      key_sql := 'c.created_at';
      key_type := 'timestamptz';
    when 'updated_at' then
      key_sql := 'c.updated_at';
      key_type := 'timestamptz';
    when 'name' then
      key_sql := 'lower(c.name)';
      key_type := 'text';
    else
      raise exception using errcode = '22023', message = 'sort key must be created_at, updated_at or name';
  end case;
  key_text_sql := case when key_type = 'timestamptz'
    then 'to_char(page.sort_key at time zone ''UTC'', ''YYYY-MM-DD"T"HH24:MI:SS.US"Z"'')'
    else 'page.sort_key' end;
end
$$;

-- One page of the tenant's live customers matching the filters (as customer_filter_sql),
-- in the order of p_sort_key (created_at, updated_at or name; ties: customer_id),
-- ascending or descending as p_ascending says, starting after the row (p_after_value,
-- p_after_id) when given, at most p_limit rows (1-201: a caller asks for one more than it
-- shows to learn whether there is more). Each row carries its sort value as text
-- (sort_value) for the next cursor, and has_before: whether a matching row lies at or
-- before the cursor (false without a cursor, and when the page is empty).
create function fetch_customers_connection(
  p_organization_id uuid,
  p_environment text,
  p_search_term text,
  p_customer_type text,
  p_activity_status text,
  p_sort_key text,
  p_ascending boolean,
  p_limit integer,
  p_after_value text default null,
  p_after_id uuid default null
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
  sort_value text,
  has_before boolean
)
language plpgsql stable
set search_path = public, extensions, pg_temp
as $$
declare
  s record;
  filter text;
  dir text;
  after_clause text := '';
  before_sql text := 'false';
begin
  perform assert_tenant(p_organization_id, p_environment);
  if p_limit is null or p_limit < 1 or p_limit > 201 then
    raise exception using errcode = '22023', message = 'limit must be between 1 and 201';
  end if;
  if p_ascending is null then
    raise exception using errcode = '22023', message = 'ascending must be true or false';
  end if;
  if (p_after_value is null) <> (p_after_id is null) then
    raise exception using errcode = '22023', message = 'a cursor needs both its value and its id';
  end if;
  s := customer_sort_sql(p_sort_key);
  filter := customer_filter_sql(p_search_term, p_customer_type, p_activity_status);
  dir := case when p_ascending then 'asc' else 'desc' end;

  if p_after_id is not null then
    -- A row comparison on (key, id) is an index condition of the sort's index.
    after_clause := format(' and (%s, c.customer_id) %s ($4::%s, $5)', s.key_sql,
      case when p_ascending then '>' else '<' end, s.key_type);
    before_sql := format('exists (select 1 from customers c where %s and (%s, c.customer_id) %s ($4::%s, $5))',
      filter, s.key_sql, case when p_ascending then '<=' else '>=' end, s.key_type);
  end if;

  -- Deferred join, as the list does: the page's ids from the index first, then their rows.
  return query execute
    'with page as (select c.customer_id, ' || s.key_sql || ' as sort_key from customers c where '
    || filter || after_clause
    || ' order by ' || s.key_sql || ' ' || dir || ', c.customer_id ' || dir || ' limit $6),'
    || ' before as (select ' || before_sql || ' as has_before)'
    || ' select c.customer_id, c.organization_id, c.name, c.email, c.phone_number,'
    || ' c.whatsapp_number, c.country, c.city, c.address, c.postal_code, c.is_business,'
    || ' c.metadata, c.environment, c.created_at, c.updated_at, c.version, '
    || s.key_text_sql || ' as sort_value, before.has_before'
    || ' from page join customers c on c.customer_id = page.customer_id'
    || ' and c.organization_id = $1 and c.environment = $2 cross join before'
    || ' order by page.sort_key ' || dir || ', page.customer_id ' || dir
    using p_organization_id, p_environment, contains_pattern(p_search_term), p_after_value,
          p_after_id, p_limit;
end
$$;

-- One page of the settled (completed and refunded) transactions of each of many customers
-- (one call per page of customers), newest first (ties: transaction_id descending) or the
-- other way with p_ascending, after (p_after_created_at, p_after_id) when given, at most
-- p_limit per customer (1-101). Nothing for a deleted or foreign customer. sort_value is
-- created_at as full-precision text; has_before as in fetch_customers_connection, per
-- customer. Amounts are exact decimal text, as in 008.
create function fetch_transactions_connection(
  p_customer_ids uuid[],
  p_organization_id uuid,
  p_environment text,
  p_ascending boolean,
  p_limit integer,
  p_after_created_at text default null,
  p_after_id uuid default null
)
returns table (
  transaction_id uuid,
  customer_id uuid,
  description text,
  gross_amount text,
  currency_code text,
  status text,
  created_at timestamptz,
  sort_value text,
  has_before boolean
)
language plpgsql stable
set search_path = public, extensions, pg_temp
as $$
declare
  v_after timestamptz := p_after_created_at::timestamptz;
begin
  perform assert_tenant(p_organization_id, p_environment);
  if p_limit is null or p_limit < 1 or p_limit > 101 then
    raise exception using errcode = '22023', message = 'limit must be between 1 and 101';
  end if;
  if p_ascending is null then
    raise exception using errcode = '22023', message = 'ascending must be true or false';
  end if;
  if (p_after_created_at is null) <> (p_after_id is null) then
    raise exception using errcode = '22023', message = 'a cursor needs both its time and its id';
  end if;

  if p_ascending then
    return query
    select t.transaction_id, t.customer_id, t.description, t.gross_amount::text, t.currency_code,
           t.status, t.created_at,
           to_char(t.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
           p_after_id is not null and exists (
             select 1 from transactions b
             where b.customer_id = c.customer_id and b.organization_id = c.organization_id
               and b.environment = c.environment and b.status in ('completed', 'refunded')
               and (b.created_at, b.transaction_id) <= (v_after, p_after_id))
    from customers c
    cross join lateral (
      select t.*
      from transactions t
      where t.customer_id = c.customer_id
        and t.organization_id = c.organization_id
        and t.environment = c.environment
        and t.status in ('completed', 'refunded')
        and (p_after_id is null or (t.created_at, t.transaction_id) > (v_after, p_after_id))
      order by t.created_at, t.transaction_id
      limit p_limit
    ) t
    where c.customer_id = any (p_customer_ids)
      and c.organization_id = p_organization_id
      and c.environment = p_environment
      and not c.is_deleted
    order by t.customer_id, t.created_at, t.transaction_id;
  else
    return query
    select t.transaction_id, t.customer_id, t.description, t.gross_amount::text, t.currency_code,
           t.status, t.created_at,
           to_char(t.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
           p_after_id is not null and exists (
             select 1 from transactions b
             where b.customer_id = c.customer_id and b.organization_id = c.organization_id
               and b.environment = c.environment and b.status in ('completed', 'refunded')
               and (b.created_at, b.transaction_id) >= (v_after, p_after_id))
    from customers c
    cross join lateral (
      select t.*
      from transactions t
      where t.customer_id = c.customer_id
        and t.organization_id = c.organization_id
        and t.environment = c.environment
        and t.status in ('completed', 'refunded')
        and (p_after_id is null or (t.created_at, t.transaction_id) < (v_after, p_after_id))
      order by t.created_at desc, t.transaction_id desc
      limit p_limit
    ) t
    where c.customer_id = any (p_customer_ids)
      and c.organization_id = p_organization_id
      and c.environment = p_environment
      and not c.is_deleted
    order by t.customer_id, t.created_at desc, t.transaction_id desc;
  end if;
end
$$;

------------------------------------------------------------------------------------------
-- The change feed. customer_changes holds one row per customer: who (ids and tenant only, no
-- personal data), whether it is deleted, and where its latest change sits in the feed. A
-- trigger on customers keeps it, so every writer is seen: these functions, the admin CLI,
-- and any SQL or Supabase client writing the table directly.
--
-- Order and safety. A change's place is (xid, position): the writing transaction's id
-- (pg_current_xact_id, 64 bits, never wraps) and a sequence number. A feed read returns only
-- changes of transactions older than every transaction still running
-- (pg_snapshot_xmin(pg_current_snapshot())). Any change committed later belongs to a
-- transaction that was running, or not yet started, at that read, so its xid is at least
-- that bound: it sorts after every change the read returned, and a cursor that moved past
-- the read's changes can never have moved past it. A customer changed again moves to the
-- end of the feed (its row is rewritten with the new place).
------------------------------------------------------------------------------------------

create sequence customer_change_position;

create table customer_changes (
  customer_id uuid primary key,
  organization_id uuid not null,
  environment text not null check (environment in ('live', 'test')),
  deleted boolean not null,
  change_xid xid8 not null,
  change_position bigint not null,
  changed_at timestamptz not null
);

create index customer_changes_feed_idx
  on customer_changes (organization_id, environment, change_xid, change_position);

-- Records a customer's change (insert, update, soft delete, restore, erase, or a DELETE of
-- the row). An update that changes nothing (updated_at and version stay) is not a change.
-- SECURITY DEFINER: whoever may write customers gets its changes recorded, whatever that
-- role may do with customer_changes itself.
create function record_customer_change() returns trigger
language plpgsql security definer
set search_path = public, extensions, pg_temp
as $$
declare
  v_row customers;
begin
  if tg_op = 'UPDATE' and new is not distinct from old then
    return null;
  end if;
  if tg_op = 'DELETE' then
    v_row := old;
  else
    v_row := new;
  end if;
  insert into customer_changes as cc
    (customer_id, organization_id, environment, deleted, change_xid, change_position, changed_at)
  values (
    v_row.customer_id, v_row.organization_id, v_row.environment,
    tg_op = 'DELETE' or v_row.is_deleted,
    pg_current_xact_id(), nextval('customer_change_position'), now()
  )
  on conflict (customer_id) do update set
    organization_id = excluded.organization_id,
    environment = excluded.environment,
    deleted = excluded.deleted,
    change_xid = excluded.change_xid,
    change_position = excluded.change_position,
    changed_at = excluded.changed_at;
  return null;
end
$$;

create trigger customers_record_change after insert or update or delete on customers
  for each row execute function record_customer_change();

-- Existing customers enter the feed once, oldest change first.
insert into customer_changes (customer_id, organization_id, environment, deleted, change_xid, change_position, changed_at)
select s.customer_id, s.organization_id, s.environment, s.is_deleted, pg_current_xact_id(),
       nextval('customer_change_position'), s.updated_at
from (
  select c.customer_id, c.organization_id, c.environment, c.is_deleted, c.updated_at
  from customers c
  order by c.updated_at, c.customer_id
) s;

-- One page of the tenant's changes after (p_after_xid, p_after_position) (from the
-- beginning when both are null), oldest first, at most p_limit (1-1001: one more than shown
-- tells whether more are waiting). Each row is one customer in its latest state: its public
-- columns, or NULLs besides customer_id when it is deleted or erased; change_xid and
-- change_position (as text) are the place for the next cursor. Only changes of transactions
-- older than every running transaction are returned (see above).
--
-- Deleted customers whose deletion is older than p_skip_deleted_before are left out: a
-- client that started from the beginning at that bound never saw them. From the beginning,
-- the bound is this read's own (returned as skip_deleted_before, for the client's cursor).
create function fetch_customer_changes(
  p_organization_id uuid,
  p_environment text,
  p_limit integer,
  p_after_xid text default null,
  p_after_position text default null,
  p_skip_deleted_before text default null
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
  deleted boolean,
  changed_at timestamptz,
  change_xid text,
  change_position text,
  skip_deleted_before text
)
language plpgsql stable
set search_path = public, extensions, pg_temp
as $$
declare
  v_xid xid8 := coalesce(p_after_xid, '0')::xid8;
  v_position bigint := coalesce(p_after_position, '0')::bigint;
begin
  perform assert_tenant(p_organization_id, p_environment);
  if p_limit is null or p_limit < 1 or p_limit > 1001 then
    raise exception using errcode = '22023', message = 'limit must be between 1 and 1001';
  end if;
  if (p_after_xid is null) <> (p_after_position is null) then
    raise exception using errcode = '22023', message = 'a cursor needs both its transaction and its position';
  end if;

  return query
  with bound as (
    select pg_snapshot_xmin(pg_current_snapshot()) as visible_below,
           case when p_after_xid is null then pg_snapshot_xmin(pg_current_snapshot())
                else coalesce(p_skip_deleted_before, '0')::xid8 end as skip_below
  )
  select cc.customer_id, c.organization_id, c.name, c.email, c.phone_number, c.whatsapp_number,
         c.country, c.city, c.address, c.postal_code, c.is_business, c.metadata, c.environment,
         c.created_at, c.updated_at, c.version,
         c.customer_id is null, cc.changed_at, cc.change_xid::text, cc.change_position::text,
         bound.skip_below::text
  from bound
  cross join customer_changes cc
  left join customers c
    on c.customer_id = cc.customer_id
   and c.organization_id = p_organization_id
   and c.environment = p_environment
   and not c.is_deleted
  where cc.organization_id = p_organization_id
    and cc.environment = p_environment
    and (cc.change_xid, cc.change_position) > (v_xid, v_position)
    and cc.change_xid < bound.visible_below
    and not (c.customer_id is null and cc.change_xid < bound.skip_below)
  order by cc.change_xid, cc.change_position
  limit p_limit;
end
$$;

------------------------------------------------------------------------------------------
-- Access on Supabase, as 006 and 008 do: only service_role may call the functions and read
-- the new table and sequence.
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
    execute 'revoke all on customer_changes from anon';
    execute 'revoke all on sequence customer_change_position from anon';
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    execute 'revoke all on customer_changes from authenticated';
    execute 'revoke all on sequence customer_change_position from authenticated';
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    execute 'grant all on customer_changes to service_role';
    execute 'grant all on sequence customer_change_position to service_role';
  end if;
end
$$;
