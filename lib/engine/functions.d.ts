/** A function as a batch carries it: id, source, caller file, context names, import() offsets, kind, declared parameter count. */
export type FnEntry = [id: number, source: string, file: string, names: string[], imports: number[], kind: string, arity: number]

/**
 * @internal What a worker call needs about `fn` with `context`: its fn entry and the context's values
 * (null without one). Throws ERR_CAPTURED_VARIABLE and the argument errors.
 */
export declare function prepare(fn: unknown, context: unknown, what?: string): { entry: FnEntry; ctx: unknown[] | null }

/** @internal The file that called into the package, from the current stack. */
export declare function callerFile(): string
