/**
 * Row values as the adapters hand them to the gateway, the same on every backend. The embedded
 * database's reader (src/db/pglite-rows.ts) reads the backend's raw reply itself for the column
 * types the gateway's functions return, and leaves other types to PGlite's parsers on the
 * worker; both paths are checked here against what the pg adapter gives on PostgreSQL.
 */
import { DatabaseError } from '../../src/db/errors';
import { useTestDatabase } from '../helpers/database';

const db = useTestDatabase();
const query = <R extends object>(text: string, values: unknown[] = []) => db.session((s) => s.query<R & Record<string, unknown>>(text, values));

test('each column type the functions return comes back as its value', async () => {
  const [row] = await query(
    `select 't'::boolean as yes, false as no, 42::int2 as small, $1::int4 as medium, 9007199254740991::int8 as big,
            1.5::float8 as ratio, '1234567890.123456789'::numeric as exact, 'Thiès, Sénégal 🇸🇳'::text as text,
            'x'::varchar(3) as short, 'ab'::char(3) as padded, '601d2441-fc4d-4b6b-97d6-3d087762ca1f'::uuid as id,
            '{"a": [1, "é"], "b": null}'::jsonb as doc, '[1,2]'::json as list,
            '2026-03-20T22:13:53.661Z'::timestamptz as at, '2026-03-20'::date as day, 'infinity'::timestamptz as never,
            null::text as nothing, ''::text as empty`,
    [7],
  );
  expect(row).toEqual({
    yes: true,
    no: false,
    small: 42,
    medium: 7,
    big: 9007199254740991,
    ratio: 1.5,
    exact: '1234567890.123456789',
    text: 'Thiès, Sénégal 🇸🇳',
    short: 'x',
    padded: 'ab ',
    id: '601d2441-fc4d-4b6b-97d6-3d087762ca1f',
    doc: { a: [1, 'é'], b: null },
    list: [1, 2],
    at: new Date('2026-03-20T22:13:53.661Z'),
    day: expect.any(Date),
    never: Infinity,
    nothing: null,
    empty: '',
  });
  expect((row.at as Date).toISOString()).toBe('2026-03-20T22:13:53.661Z');
});

test('other types (arrays, intervals) are parsed as before, beside the fast ones', async () => {
  const [row] = await query(`select array[1, 2]::int4[] as numbers, array['a', null]::text[] as texts, 3::int4 as n, 'x' as t`);
  expect(row).toEqual({ numbers: [1, 2], texts: ['a', null], n: 3, t: 'x' });
});

test('many rows, and none', async () => {
  const rows = await query<{ i: number; label: string }>(`select i, 'row ' || i as label from generate_series(1, 500) i`);
  expect(rows).toHaveLength(500);
  expect(rows[499]).toEqual({ i: 500, label: 'row 500' });
  await expect(query(`select 1 as one where false`)).resolves.toEqual([]);
  await expect(query(`select $1::text as echoed`, ['a'.repeat(100_000)])).resolves.toEqual([{ echoed: 'a'.repeat(100_000) }]);
});

test('a failing statement fails with its SQLSTATE, and the session goes on', async () => {
  const failure = await query(`select 1 / $1::int4 as x`, [0]).catch((error: unknown) => error);
  expect(failure).toMatchObject({ code: '22012' });
  const late = await query(`select case when i = 3 then 1 / 0 else i end as x from generate_series(1, 5) i`).catch((error: unknown) => error);
  expect(late).toMatchObject({ code: '22012' });
  // through rpc, as the gateway calls: a DatabaseError of the project's own kind
  const rpcFailure = await db.rpc('get_customers_by_ids', { p_customer_ids: ['not a uuid'], p_organization_id: '601d2441-fc4d-4b6b-97d6-3d087762ca1f', p_environment: 'test' }).catch((error: unknown) => error);
  expect(rpcFailure).toBeInstanceOf(DatabaseError);
  expect(rpcFailure).toMatchObject({ code: '22P02' });
  await expect(query(`select 2 as two`)).resolves.toEqual([{ two: 2 }]);
});
