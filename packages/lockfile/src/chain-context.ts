/**
 * What the current async call chain holds, for the stores' re-entrant locking (records'
 * GuardedFiles, layers' LockScope): values keyed by object that travel with promise chains
 * (await, then), as AsyncLocalStorage's do, but through V8's promise hooks directly. Node 20's
 * AsyncLocalStorage goes through async_hooks, which gives every promise async ids and runs its
 * whole init/before/after machinery: 10-15% of the CPU of a short mount or changes command.
 * Here a promise created inside a chain that holds something gets one property, and each
 * promise reaction two small calls around it.
 *
 * Like AsyncLocalStorage for promises; unlike it, plain callbacks (timers, events, callback
 * APIs) start without the values: the stores never take their locks from such callbacks.
 */
type Frame = ReadonlyMap<object, unknown>;

const FRAME = Symbol('cs.lockfile.chainFrame');
let current: Frame | undefined;
const outer: Array<Frame | undefined> = [];
let installed = false;

type Carrier = Promise<unknown> & { [FRAME]?: Frame };

function install(): void {
  if (installed) return;
  installed = true;
  const { promiseHooks } = process.getBuiltinModule('node:v8');
  promiseHooks.onInit((promise: Carrier) => {
    if (current !== undefined) promise[FRAME] = current;
  });
  promiseHooks.onBefore((promise: Carrier) => {
    outer.push(current);
    current = promise[FRAME];
  });
  promiseHooks.onAfter(() => {
    current = outer.pop();
  });
}

/** The value `key` has in the current chain, if any. */
export function chainValue<T>(key: object): T | undefined {
  return current?.get(key) as T | undefined;
}

/** Runs `fn` with `key` set to `value` for it and for every promise chain it starts. */
export function runInChain<R>(key: object, value: unknown, fn: () => R): R {
  install();
  const before = current;
  const next = new Map(before ?? []);
  next.set(key, value);
  current = next;
  try {
    return fn();
  } finally {
    current = before;
  }
}
