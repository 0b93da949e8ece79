-- Generated from schema/sql/005_demo_data.sql by scripts/supabase-migrations.js: edit the source,
-- then run `node scripts/supabase-migrations.js`.

-- Realistic West-African demo data, written set-based (one statement) so that 100,000
-- customers take seconds. Used by `npm start` on a fresh embedded database, by the CLI's
-- `seed` command and by the benchmarks.
--
-- About p_transactions_per_customer transactions per customer on average (0 to twice that),
-- in every status and in XOF, EUR and USD, spread between the customer's creation and now;
-- customers are spread over the last two years. Some customers therefore have no settled
-- transaction (inactive), as real data does.
create function seed_demo_customers(
  p_organization_id uuid,
  p_environment text,
  p_customers integer,
  p_transactions_per_customer integer default 3,
  p_merchant_id uuid default null
)
returns table (customers bigint, transactions bigint)
language plpgsql volatile
set search_path = public, extensions, pg_temp
as $$
declare
  v_merchant uuid;
  v_customers bigint;
  v_transactions bigint;
begin
  perform assert_tenant(p_organization_id, p_environment);
  if p_customers is null or p_customers < 0 or p_customers > 10000000 then
    raise exception using errcode = '22023', message = 'customers must be between 0 and 10000000';
  end if;
  if p_transactions_per_customer is null or p_transactions_per_customer < 0 or p_transactions_per_customer > 100 then
    raise exception using errcode = '22023', message = 'transactions per customer must be between 0 and 100';
  end if;
  v_merchant := organization_merchant(p_organization_id, p_merchant_id);

  with
  first_names as (
    select array['Aminata','Moussa','Fatou','Ibrahima','Awa','Mamadou','Aïssatou','Ousmane',
      'Mariama','Cheikh','Kadiatou','Abdoulaye','Adama','Souleymane','Ndeye','Yacouba',
      'Kouassi','Adjoa','Koffi','Akissi','Yao','Amenan','Seydou','Binta','Lamine','Rokhaya',
      'Modou','Coumba','Idrissa','Salimata'] as v
  ),
  last_names as (
    select array['Diop','Ndiaye','Fall','Sow','Diallo','Ba','Sy','Gueye','Faye','Sarr','Cissé',
      'Traoré','Keïta','Koné','Coulibaly','Touré','Ouattara','Kouamé','Konan','Yao','Bamba',
      'Diabaté','Sangaré','Camara','Mbaye','Thiam','Kane','Niang'] as v
  ),
  places as (
    select array['Senegal|Dakar|+221','Senegal|Thiès|+221','Senegal|Saint-Louis|+221',
      'Senegal|Ziguinchor|+221','Côte d''Ivoire|Abidjan|+225','Côte d''Ivoire|Bouaké|+225',
      'Côte d''Ivoire|Yamoussoukro|+225','Côte d''Ivoire|San-Pédro|+225'] as v
  ),
  streets as (
    select array['Avenue Cheikh Anta Diop','Rue Carnot','Boulevard de la République',
      'Route de Ouakam','Boulevard Latrille','Rue des Jardins','Avenue Chardy',
      'Rue du Commerce','Corniche Ouest','Boulevard Giscard d''Estaing'] as v
  ),
  business_kinds as (
    select array['Trading SARL','Services SA','Import-Export','Boutique','Distribution',
      'Technologies','Transport','Agro SARL'] as v
  ),
  draws as (
    select g.i, random() as r1, random() as r2, random() as r3, random() as r4,
           random() as r5, random() as r6, random() as r7, random() as r8
    from generate_series(1, p_customers) as g(i)
  ),
  shaped as (
    select d.*,
      fn.v[1 + floor(d.r1 * array_length(fn.v, 1))::int] as first_name,
      ln.v[1 + floor(d.r2 * array_length(ln.v, 1))::int] as last_name,
      string_to_array(pl.v[1 + floor(d.r3 * array_length(pl.v, 1))::int], '|') as place,
      st.v[1 + floor(d.r4 * array_length(st.v, 1))::int] as street,
      bk.v[1 + floor(d.r5 * array_length(bk.v, 1))::int] as business_kind,
      d.r6 < 0.2 as is_business,
      now() - (d.r7 * interval '730 days') as created_at
    from draws d, first_names fn, last_names ln, places pl, streets st, business_kinds bk
  ),
  new_customers as (
    insert into customers (organization_id, created_by, name, email, phone_number,
      whatsapp_number, country, city, address, postal_code, is_business, metadata,
      environment, created_at, updated_at)
    select p_organization_id, v_merchant,
      case when s.is_business then s.last_name || ' ' || s.business_kind
           else s.first_name || ' ' || s.last_name end,
      case when s.r8 < 0.9 then
        lower(translate(s.first_name || '.' || s.last_name, 'ïéèëôç', 'ieeeoc')) || s.i
          || case when s.is_business then '@business.example' else '@example.com' end
      end,
      s.place[3] || case when s.place[3] = '+221'
        then (array['77','78','76','70'])[1 + floor(s.r4 * 4)::int] || lpad((floor(s.r1 * 10000000))::int::text, 7, '0')
        else (array['07','05','01'])[1 + floor(s.r4 * 3)::int] || lpad((floor(s.r2 * 100000000))::int::text, 8, '0') end,
      case when s.r5 < 0.6 then s.place[3] || case when s.place[3] = '+221'
        then '77' || lpad((floor(s.r3 * 10000000))::int::text, 7, '0')
        else '07' || lpad((floor(s.r3 * 100000000))::int::text, 8, '0') end end,
      s.place[1], s.place[2],
      (1 + floor(s.r6 * 250))::int || ' ' || s.street,
      case when s.r7 < 0.7 then lpad((10000 + floor(s.r8 * 89999))::int::text, 5, '0') end,
      s.is_business,
      case when s.r1 < 0.3 then jsonb_build_object('source', 'demo', 'segment',
        (array['retail','wholesale','online','vip'])[1 + floor(s.r2 * 4)::int]) end,
      p_environment, s.created_at, s.created_at
    from shaped s
    returning customer_id, created_at,
      floor(random() * (2 * p_transactions_per_customer + 1))::int as transaction_count
  ),
  new_transactions as (
    insert into transactions (organization_id, customer_id, description, gross_amount,
      currency_code, status, environment, created_at, updated_at)
    select p_organization_id, nc.customer_id, x.description, x.amount, x.currency, x.status,
      p_environment, x.created_at, x.created_at
    from new_customers nc
    cross join lateral generate_series(1, nc.transaction_count) as n(k)
    cross join lateral (
      select
        (array['Payment for order #','Subscription renewal #','Invoice #','Mobile money top-up #',
               'Delivery fee #','Product purchase #'])[1 + floor(t.a * 6)::int] || (1000 + floor(t.b * 9000))::int as description,
        case when t.c < 0.8 then 'XOF' when t.c < 0.92 then 'EUR' else 'USD' end as currency,
        case when t.c < 0.8 then round((500 + t.d * 499500)::numeric, -2)
             else round((5 + t.d * 1995)::numeric, 2) end as amount,
        case when t.e < 0.55 then 'completed' when t.e < 0.65 then 'refunded'
             when t.e < 0.8 then 'pending' when t.e < 0.92 then 'failed' else 'expired' end as status,
        nc.created_at + (now() - nc.created_at) * t.f as created_at
      from (select random() a, random() b, random() c, random() d, random() e, random() f,
                   n.k as k) t
    ) x
    returning 1
  )
  select (select count(*) from new_customers), (select count(*) from new_transactions)
  into v_customers, v_transactions;

  return query select v_customers, v_transactions;
end
$$;
