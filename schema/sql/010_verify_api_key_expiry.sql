-- verify_api_key also returns the key's expires_at, so the gateway's short-lived cache of
-- verified keys forgets a key the moment it expires rather than up to its TTL later.
-- The result type changes, so the function is dropped and created again (and its grants with it).
drop function if exists verify_api_key(text);

create function verify_api_key(p_key_hash text)
returns table (api_key_id uuid, organization_id uuid, merchant_id uuid, environment text, expires_at timestamptz)
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
  returning k.api_key_id, k.organization_id, k.merchant_id, k.environment, k.expires_at;
  if not found then
    return query
    select k.api_key_id, k.organization_id, k.merchant_id, k.environment, k.expires_at
    from api_keys k
    where k.key_hash = p_key_hash
      and k.is_active
      and k.revoked_at is null
      and (k.expires_at is null or k.expires_at > now());
  end if;
end
$$;

-- As 006_supabase_grants.sql does for every function: only the service role may call it.
revoke all on function verify_api_key(text) from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    execute 'revoke all on function verify_api_key(text) from anon';
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    execute 'revoke all on function verify_api_key(text) from authenticated';
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    execute 'grant execute on function verify_api_key(text) to service_role';
  end if;
end
$$;
