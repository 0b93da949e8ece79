-- Generated from schema/sql/004_admin_functions.sql by scripts/supabase-migrations.js: edit the source,
-- then run `node scripts/supabase-migrations.js`.

-- Organizations, merchants and API keys: what the admin CLI and the gateway's
-- authentication call.

-- An organization with its first merchant, in one statement.
create function create_organization(p_name text)
returns table (organization_id uuid, merchant_id uuid)
language sql volatile
set search_path = public, extensions, pg_temp
as $$
  with o as (
    insert into organizations (name) values (btrim(p_name)) returning organizations.organization_id
  ), m as (
    insert into merchants (organization_id, name)
    select o.organization_id, btrim(p_name) || ' owner' from o
    returning merchants.organization_id, merchants.merchant_id
  )
  select m.organization_id, m.merchant_id from m
$$;

-- The given merchant of an organization, or its first merchant when p_merchant_id is NULL;
-- raises no_data_found (P0002) when the organization has no such merchant.
create function organization_merchant(p_organization_id uuid, p_merchant_id uuid)
returns uuid
language plpgsql stable
set search_path = public, extensions, pg_temp
as $$
declare
  v_merchant uuid;
begin
  select m.merchant_id into v_merchant
  from merchants m
  where m.organization_id = p_organization_id
    and (p_merchant_id is null or m.merchant_id = p_merchant_id)
  order by m.created_at, m.merchant_id
  limit 1;
  if v_merchant is null then
    raise exception using errcode = 'P0002', message = 'no such organization or merchant';
  end if;
  return v_merchant;
end
$$;

-- Stores a new key's hash. The key itself is made and shown by the caller, once.
-- p_merchant_id NULL means the organization's first merchant.
create function create_api_key(
  p_organization_id uuid,
  p_environment text,
  p_key_hash text,
  p_key_prefix text,
  p_name text default null,
  p_merchant_id uuid default null,
  p_expires_at timestamptz default null
)
returns table (api_key_id uuid, organization_id uuid, merchant_id uuid, environment text)
language plpgsql volatile
set search_path = public, extensions, pg_temp
as $$
declare
  v_merchant uuid;
begin
  perform assert_tenant(p_organization_id, p_environment);
  v_merchant := organization_merchant(p_organization_id, p_merchant_id);
  if p_expires_at is not null and p_expires_at <= now() then
    raise exception using errcode = '22023', message = 'expiry must be in the future';
  end if;

  return query
  insert into api_keys as k (organization_id, merchant_id, key_hash, key_prefix, name, environment, expires_at)
  values (p_organization_id, v_merchant, p_key_hash, p_key_prefix,
          coalesce(nullif(btrim(p_name), ''), 'API key'), p_environment, p_expires_at)
  returning k.api_key_id, k.organization_id, k.merchant_id, k.environment;
end
$$;

-- The tenant of an active, not revoked, not expired key, or no row. Records when the key
-- was last used, at most once a minute per key so busy keys do not write on every call.
create function verify_api_key(p_key_hash text)
returns table (api_key_id uuid, organization_id uuid, merchant_id uuid, environment text)
language plpgsql volatile
set search_path = public, extensions, pg_temp
as $$
begin
  return query
  update api_keys k
  set last_used_at = now()
  where k.key_hash = p_key_hash
    and k.is_active
    and k.revoked_at is null
    and (k.expires_at is null or k.expires_at > now())
    and (k.last_used_at is null or k.last_used_at < now() - interval '1 minute')
  returning k.api_key_id, k.organization_id, k.merchant_id, k.environment;
  if not found then
    return query
    select k.api_key_id, k.organization_id, k.merchant_id, k.environment
    from api_keys k
    where k.key_hash = p_key_hash
      and k.is_active
      and k.revoked_at is null
      and (k.expires_at is null or k.expires_at > now());
  end if;
end
$$;

-- An organization's keys, newest first. Never the key or its hash.
create function list_api_keys(p_organization_id uuid)
returns table (
  api_key_id uuid, merchant_id uuid, name text, key_prefix text, environment text,
  is_active boolean, expires_at timestamptz, revoked_at timestamptz,
  last_used_at timestamptz, created_at timestamptz
)
language sql stable
set search_path = public, extensions, pg_temp
as $$
  select k.api_key_id, k.merchant_id, k.name, k.key_prefix, k.environment, k.is_active,
         k.expires_at, k.revoked_at, k.last_used_at, k.created_at
  from api_keys k
  where k.organization_id = p_organization_id
  order by k.created_at desc, k.api_key_id desc
$$;

-- Revokes a key for good. Returns the key's row, or no row when there is no such key or it
-- was already revoked.
create function revoke_api_key(p_api_key_id uuid)
returns table (api_key_id uuid, organization_id uuid, revoked_at timestamptz)
language sql volatile
set search_path = public, extensions, pg_temp
as $$
  update api_keys k set revoked_at = now(), is_active = false
  where k.api_key_id = p_api_key_id and k.revoked_at is null
  returning k.api_key_id, k.organization_id, k.revoked_at
$$;
