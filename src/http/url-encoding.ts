/**
 * A URL's query string must be valid percent-encoded UTF-8. Node's query parser decodes a
 * malformed escape (`%FF`, `%E2%82`, a lone `%`) into U+FFFD instead of failing, so without
 * this check `?search=%FF` would search for a character the client never sent, and a GET
 * /graphql document would run with text changed under it. One pass over the query string,
 * which Node already bounds to the 16 KB head.
 */
export function queryEncodingProblem(url: string): string | undefined {
  const start = url.indexOf('?');
  if (start < 0) return undefined;
  for (const part of url.slice(start + 1).split('&')) {
    for (const piece of part.split('=')) {
      if (!piece.includes('%')) continue;
      try {
        decodeURIComponent(piece);
      } catch {
        const name = part.split('=')[0];
        return `The query string is not valid percent-encoded UTF-8${safeName(name) ? ` (parameter ${safeName(name)})` : ''}: escape every byte of UTF-8 text as %XX, and a literal % as %25`;
      }
    }
  }
  return undefined;
}

/** The parameter's name when it is plain enough to quote back, else nothing. */
function safeName(raw: string): string | undefined {
  return /^[A-Za-z0-9_.-]{1,64}$/.test(raw) ? raw : undefined;
}
