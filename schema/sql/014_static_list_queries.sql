-- Plans kept between calls for the reads the gateway makes most.
--
-- fetch_customers_with_status built its query as text and ran it with EXECUTE, so PostgreSQL
-- parsed and planned it on every call. The first pages (offset up to 500) of the common filter
-- combinations (no customer type; all or active; with or without a search; no total) now run
-- static statements, which PL/pgSQL prepares once per connection and whose plans it keeps (the
-- first calls get plans for their own values; afterwards a generic plan when it is no
-- costlier). They read the rows straight from the tenant's index walk: the deferred join of
-- 003 only pays for itself on deep pages, where it skips whole rows. Deeper pages and any
-- other combination take the EXECUTE path as before. Same rows, same order, same errors.
--
-- get_customers_by_ids was a SQL function with a SET clause, which PostgreSQL can neither
-- inline nor keep a plan for between calls (before version 18): it is now PL/pgSQL, for the
-- same reason.

create or replace function fetch_customers_with_status(
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
#variable_conflict use_column
declare
  v_search boolean := nullif(btrim(p_search_term), '') is not null;
  v_status text := lower(coalesce(p_activity_status, 'all'));
  v_pattern text;
begin
  perform assert_tenant(p_organization_id, p_environment);
  if p_offset is null or p_offset < 0 then
    raise exception using errcode = '22023', message = 'offset must be 0 or more';
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 200 then
    raise exception using errcode = '22023', message = 'limit must be between 1 and 200';
  end if;

  -- The first pages of the common combinations: static statements whose plans are kept.
  if p_offset <= 500 and lower(coalesce(p_customer_type, 'all')) = 'all' and v_status in ('all', 'active')
     and not coalesce(p_include_total, true) then
    if v_search then
      v_pattern := contains_pattern(p_search_term);
    end if;
    if not v_search and v_status = 'all' then
      return query
        select c.customer_id, c.organization_id, c.name, c.email, c.phone_number, c.whatsapp_number, c.country,
               c.city, c.address, c.postal_code, c.is_business, c.metadata, c.environment, c.created_at,
               c.updated_at, c.version, null::bigint
        from customers c
        where c.organization_id = p_organization_id and c.environment = p_environment and not c.is_deleted
        order by c.created_at desc, c.customer_id desc
        offset p_offset limit p_limit;
    elsif v_search and v_status = 'all' then
      return query
        select c.customer_id, c.organization_id, c.name, c.email, c.phone_number, c.whatsapp_number, c.country,
               c.city, c.address, c.postal_code, c.is_business, c.metadata, c.environment, c.created_at,
               c.updated_at, c.version, null::bigint
        from customers c
        where c.organization_id = p_organization_id and c.environment = p_environment and not c.is_deleted
          and (c.name ilike v_pattern or c.email ilike v_pattern)
        order by c.created_at desc, c.customer_id desc
        offset p_offset limit p_limit;
    elsif not v_search then
      return query
        select c.customer_id, c.organization_id, c.name, c.email, c.phone_number, c.whatsapp_number, c.country,
               c.city, c.address, c.postal_code, c.is_business, c.metadata, c.environment, c.created_at,
               c.updated_at, c.version, null::bigint
        from customers c
        where c.organization_id = p_organization_id and c.environment = p_environment and not c.is_deleted
          and exists (select 1 from transactions t where t.customer_id = c.customer_id
                        and t.organization_id = c.organization_id and t.environment = c.environment
                        and t.status in ('completed', 'refunded'))
        order by c.created_at desc, c.customer_id desc
        offset p_offset limit p_limit;
    else
      return query
        select c.customer_id, c.organization_id, c.name, c.email, c.phone_number, c.whatsapp_number, c.country,
               c.city, c.address, c.postal_code, c.is_business, c.metadata, c.environment, c.created_at,
               c.updated_at, c.version, null::bigint
        from customers c
        where c.organization_id = p_organization_id and c.environment = p_environment and not c.is_deleted
          and (c.name ilike v_pattern or c.email ilike v_pattern)
          and exists (select 1 from transactions t where t.customer_id = c.customer_id
                        and t.organization_id = c.organization_id and t.environment = c.environment
                        and t.status in ('completed', 'refunded'))
        order by c.created_at desc, c.customer_id desc
        offset p_offset limit p_limit;
    end if;
    return;
  end if;

  -- Deeper pages and every other combination: the query built for exactly its predicates,
  -- with the deferred join of 003 (a deep page skips index entries, not whole rows), as in 008.
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

create or replace function get_customers_by_ids(
  p_customer_ids uuid[],
  p_organization_id uuid,
  p_environment text
)
returns setof public_customer
language plpgsql stable
set search_path = public, extensions, pg_temp
as $$
begin
  return query
    select c.customer_id, c.organization_id, c.name, c.email, c.phone_number, c.whatsapp_number,
           c.country, c.city, c.address, c.postal_code, c.is_business, c.metadata, c.environment,
           c.created_at, c.updated_at, c.version
    from customers c
    where c.customer_id = any (p_customer_ids)
      and c.organization_id = p_organization_id
      and c.environment = p_environment
      and not c.is_deleted;
end
$$;
