/**
 * An object that stands for one made later, in a beforeAll: its properties are the real one's
 * (methods bound to it) once `fill` has run. Lets a fixture helper return `db` or `gw` at once,
 * for a file to declare `const { gw, tenant } = useGateway()` instead of a `let` and two hooks.
 */
export function filledLater<T extends object>(what: string): { value: T; fill(target: T): void } {
  let target: T | undefined;
  const real = (): T => {
    if (!target) throw new Error(`${what} is made in beforeAll: use it inside tests and hooks`);
    return target;
  };
  const value = new Proxy({} as T, {
    get: (_, property) => {
      const own = real();
      const found: unknown = Reflect.get(own, property, own);
      return typeof found === 'function' ? found.bind(own) : found;
    },
    has: (_, property) => Reflect.has(real(), property),
    set: (_, property, next) => Reflect.set(real(), property, next),
  });
  return { value, fill: (made) => void (target = made) };
}
