-- Generated from schema/sql/006_supabase_grants.sql by scripts/supabase-migrations.js: edit the source,
-- then run `node scripts/supabase-migrations.js`.

-- Access on a Supabase project. The gateway connects with the service-role key, and the
-- gateway, not row-level security, enforces tenancy: every function filters by the
-- organization and environment it is given. So nobody else may call the functions or read
-- the tables: EXECUTE is revoked from PUBLIC (and so from anon and authenticated) and
-- granted to service_role only; anon and authenticated get nothing on the tables.
-- Statements naming Supabase's roles run only where those roles exist, so this file does
-- nothing harmful on plain PostgreSQL or PGlite (where only the revoke from PUBLIC applies:
-- the gateway connects as the owner there).
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
    execute 'revoke all on all tables in schema public from anon';
    execute 'revoke all on all sequences in schema public from anon';
    execute 'alter default privileges in schema public revoke all on tables from anon';
    execute 'alter default privileges in schema public revoke all on functions from anon';
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    execute 'revoke all on all tables in schema public from authenticated';
    execute 'revoke all on all sequences in schema public from authenticated';
    execute 'alter default privileges in schema public revoke all on tables from authenticated';
    execute 'alter default privileges in schema public revoke all on functions from authenticated';
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    execute 'grant usage on schema public to service_role';
    execute 'grant all on all tables in schema public to service_role';
  end if;
  execute 'alter default privileges in schema public revoke execute on functions from public';
end
$$;
