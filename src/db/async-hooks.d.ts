// The one piece of node:async_hooks the Worker uses (workerd provides it under nodejs_compat; this
// project does not load Node's own types): a value that follows one request through its awaits.
declare module 'node:async_hooks' {
  export class AsyncLocalStorage<T> {
    run<R>(store: T, callback: () => R): R;
    getStore(): T | undefined;
  }
}
