-- Exact customer totals in constant time. Runs on PostgreSQL 15+, PGlite and Supabase.
--
-- count_customers_with_status counted the tenant's rows on every call: its cost grew with the
-- tenant (a million customers, a million index entries). The database now keeps each tenant's
-- number of live (not deleted) customers, per type, and the unfiltered total (or the total of
-- one type) is a sum over a few counter rows, whatever the tenant's size.
--
-- Exactness. Triggers on customers keep the counters in the same transaction as the change
-- that moves them, so every writer counts (these functions, the seed, the admin CLI, plain SQL
-- or a Supabase client writing the table), a rolled-back change takes its count with it, and
-- in any snapshot the counters' sum is count(*) of the live rows in that snapshot. A change
-- is what the row really went through: an INSERT of a live row, an UPDATE that moves a row in
-- or out of the count (delete, restore, erase of a live customer) or between types or
-- tenants, a DELETE of a live row. Two writers racing on one customer are ordered by its row
-- lock, and the loser's UPDATE finds the row as the winner left it: a second delete, or an
-- erase of a deleted customer, changes no count.
--
-- No serialised creates. One counter row per tenant would be a lock every create of the
-- tenant queues on until the previous one commits. A tenant has instead up to 64 counter rows
-- per type (shards); a transaction adds its changes to the shard its own transaction id
-- chooses (xid modulo 64). Transactions running at the same time have nearby ids, so up to
-- 64 of them write 64 different rows and never wait for each other; a shard may go below
-- zero (a customer created in one shard, deleted in another), only the sum means anything.
-- Each statement adds its changes in counter-key order, so two transactions that do meet on
-- the same shard lock in the same order.
--
-- Inserts and hard deletes are counted once per statement (the statement's rows grouped by
-- counter), so a seed of a million customers makes one counter update, not a million.
-- Updates are counted per row, and only when the row moves in or out of a count (the
-- trigger's WHEN condition): an edit of a name or an address calls nothing.

create table customer_counts (
  organization_id uuid not null references organizations (organization_id) on delete cascade,
  environment text not null check (environment in ('live', 'test')),
  is_business boolean not null,
  shard smallint not null check (shard between 0 and 63),
  live_customers bigint not null,
  primary key (organization_id, environment, is_business, shard)
);

-- SECURITY DEFINER, as record_customer_change (013): whoever may write customers gets the
-- counts kept, whatever that role may do with customer_counts itself.
-- Rows inserted (+1 each) or deleted (-1), one statement's worth: both triggers name their
-- transition table changed_customers.
create function count_changed_customers() returns trigger
language plpgsql security definer
set search_path = public, extensions, pg_temp
as $$
begin
  insert into customer_counts as cc (organization_id, environment, is_business, shard, live_customers)
  select c.organization_id, c.environment, c.is_business, (pg_current_xact_id()::text::bigint % 64)::smallint,
         case when tg_op = 'INSERT' then count(*) else -count(*) end
  from changed_customers c
  where not c.is_deleted
  group by c.organization_id, c.environment, c.is_business
  order by c.organization_id, c.environment, c.is_business
  on conflict (organization_id, environment, is_business, shard)
  do update set live_customers = cc.live_customers + excluded.live_customers;
  return null;
end
$$;

-- One row that left a count (old) and/or entered one (new).
create function count_moved_customer() returns trigger
language plpgsql security definer
set search_path = public, extensions, pg_temp
as $$
begin
  insert into customer_counts as cc (organization_id, environment, is_business, shard, live_customers)
  select m.organization_id, m.environment, m.is_business, (pg_current_xact_id()::text::bigint % 64)::smallint, sum(m.delta)
  from (values (old.organization_id, old.environment, old.is_business, case when old.is_deleted then 0 else -1 end),
               (new.organization_id, new.environment, new.is_business, case when new.is_deleted then 0 else 1 end))
       as m (organization_id, environment, is_business, delta)
  group by m.organization_id, m.environment, m.is_business
  having sum(m.delta) <> 0
  order by m.organization_id, m.environment, m.is_business
  on conflict (organization_id, environment, is_business, shard)
  do update set live_customers = cc.live_customers + excluded.live_customers;
  return null;
end
$$;

-- TRUNCATE fires no row trigger: the counts go with the rows.
create function forget_customer_counts() returns trigger
language plpgsql security definer
set search_path = public, extensions, pg_temp
as $$
begin
  delete from customer_counts;
  return null;
end
$$;

------------------------------------------------------------------------------------------
-- Existing customers. The lock (SHARE ROW EXCLUSIVE, taken by the first CREATE TRIGGER and
-- held until this migration commits) lets reads of customers go on and makes writers wait:
-- the count below sees every change committed before it, and every later change waits for
-- the triggers. It lasts one pass over the live rows (an index-only walk when the visibility
-- map is current; about a second per million rows on a quiet server).
------------------------------------------------------------------------------------------

lock table customers in share row exclusive mode;

create trigger customers_count_inserted after insert on customers
  referencing new table as changed_customers
  for each statement execute function count_changed_customers();

create trigger customers_count_removed after delete on customers
  referencing old table as changed_customers
  for each statement execute function count_changed_customers();

create trigger customers_count_moved after update on customers
  for each row
  when (old.is_deleted is distinct from new.is_deleted
        or old.is_business is distinct from new.is_business
        or old.organization_id is distinct from new.organization_id
        or old.environment is distinct from new.environment)
  execute function count_moved_customer();

create trigger customers_count_truncated after truncate on customers
  for each statement execute function forget_customer_counts();

insert into customer_counts (organization_id, environment, is_business, shard, live_customers)
select c.organization_id, c.environment, c.is_business, 0, count(*)
from customers c
where not c.is_deleted
group by c.organization_id, c.environment, c.is_business;

------------------------------------------------------------------------------------------
-- The count. Without a search or an activity filter, the total (of every type or of one) is
-- the sum of the tenant's counters: at most 128 rows, read from their primary key. Any other
-- combination counts the matching rows as before. Same numbers, same errors.
------------------------------------------------------------------------------------------

create or replace function count_customers_with_status(
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
declare
  v_type text := lower(coalesce(p_customer_type, 'all'));
begin
  perform assert_tenant(p_organization_id, p_environment);
  if nullif(btrim(p_search_term), '') is null and lower(coalesce(p_activity_status, 'all')) = 'all'
     and v_type in ('all', 'business', 'individual') then
    return query
      select coalesce(sum(cc.live_customers), 0)::bigint
      from customer_counts cc
      where cc.organization_id = p_organization_id
        and cc.environment = p_environment
        and (v_type = 'all' or cc.is_business = (v_type = 'business'));
    return;
  end if;
  return query execute
    'select count(*) from customers c where '
    || customer_filter_sql(p_search_term, p_customer_type, p_activity_status)
    using p_organization_id, p_environment, contains_pattern(p_search_term);
end
$$;

------------------------------------------------------------------------------------------
-- Access on Supabase, as 006 set it up: EXECUTE on every function of the project (not an
-- extension's) for service_role only, and the tables a migration adds for service_role only;
-- statements for a role only where the role exists. One procedure, which later migrations
-- call with their new tables instead of repeating this block.
------------------------------------------------------------------------------------------
create function apply_service_role_grants(p_tables text[] default '{}') returns void
language plpgsql
set search_path = public, extensions, pg_temp
as $$
declare
  fn record;
  tbl text;
  has_anon boolean := exists (select 1 from pg_roles where rolname = 'anon');
  has_authenticated boolean := exists (select 1 from pg_roles where rolname = 'authenticated');
  has_service_role boolean := exists (select 1 from pg_roles where rolname = 'service_role');
begin
  for fn in
    select p.oid::regprocedure as signature
    from pg_proc p
    join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'public'
      and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
  loop
    execute format('revoke all on function %s from public', fn.signature);
    if has_anon then execute format('revoke all on function %s from anon', fn.signature); end if;
    if has_authenticated then execute format('revoke all on function %s from authenticated', fn.signature); end if;
    if has_service_role then execute format('grant execute on function %s to service_role', fn.signature); end if;
  end loop;
  foreach tbl in array p_tables loop
    if has_anon then execute format('revoke all on %I from anon', tbl); end if;
    if has_authenticated then execute format('revoke all on %I from authenticated', tbl); end if;
    if has_service_role then execute format('grant all on %I to service_role', tbl); end if;
  end loop;
end
$$;

select apply_service_role_grants(array['customer_counts']);
