// Internal: a function's parameter names (typed for tests).
export declare function paramNames(fn: Function, node: string): string[]
export declare function scanParams(source: string): string[]
export declare function isNative(fn: Function): boolean
