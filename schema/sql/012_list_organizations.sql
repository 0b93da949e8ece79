-- The organizations, for the admin CLI's `org list`: newest first, at most p_limit of them,
-- with each one's merchant count and active API key count (keys themselves are never listed).
create or replace function list_organizations(p_limit integer default 100)
returns table (
  organization_id uuid, name text, created_at timestamptz,
  merchants bigint, active_keys bigint
)
language sql stable
set search_path = public, extensions, pg_temp
as $$
  select o.organization_id, o.name, o.created_at,
         (select count(*) from merchants m where m.organization_id = o.organization_id),
         (select count(*) from api_keys k
           where k.organization_id = o.organization_id and k.is_active and k.revoked_at is null
             and (k.expires_at is null or k.expires_at > now()))
  from organizations o
  order by o.created_at desc, o.organization_id desc
  limit least(greatest(coalesce(p_limit, 100), 1), 10000)
$$;

-- As 006 does for every function: callable by the gateway's role only.
revoke all on function list_organizations(integer) from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    execute 'revoke all on function list_organizations(integer) from anon';
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    execute 'revoke all on function list_organizations(integer) from authenticated';
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    execute 'grant execute on function list_organizations(integer) to service_role';
  end if;
end
$$;
