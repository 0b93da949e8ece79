-- Generated from schema/sql/001_extensions.sql by scripts/supabase-migrations.js: edit the source,
-- then run `node scripts/supabase-migrations.js`.

-- Extensions the customer domain needs.
-- pg_trgm: indexed case-insensitive "contains" search on name and email.
-- btree_gin: lets one GIN index hold the tenant columns next to the trigrams, so a search
-- is answered from the caller's organization and environment only.
-- On Supabase, extensions live in the `extensions` schema; elsewhere in the default schema.
do $$
begin
  if exists (select 1 from pg_namespace where nspname = 'extensions') then
    create extension if not exists pg_trgm with schema extensions;
    create extension if not exists btree_gin with schema extensions;
  else
    create extension if not exists pg_trgm;
    create extension if not exists btree_gin;
  end if;
end
$$;
