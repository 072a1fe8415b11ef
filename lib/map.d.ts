import type { TaskHandle, TaskOptions } from './task'

/** Built-in hashes over string/Buffer items. */
export type HashOp = 'xxh3' | 'sha256' | 'crc32'

/**
 * Hashes each item on every core: `'xxh3'` → BigUint64Array, `'crc32'` →
 * Uint32Array, `'sha256'` → one 32-byte Buffer per item. Strings hash as UTF-8.
 */
export declare function parallelMap(input: Array<string | Uint8Array>, fn: 'xxh3', opts?: TaskOptions): TaskHandle<BigUint64Array>
export declare function parallelMap(input: Array<string | Uint8Array>, fn: 'crc32', opts?: TaskOptions): TaskHandle<Uint32Array>
export declare function parallelMap(input: Array<string | Uint8Array>, fn: 'sha256', opts?: TaskOptions): TaskHandle<Buffer[]>
/** The blocking twin of parallelMap. */
export declare function parallelMapSync(input: Array<string | Uint8Array>, fn: 'xxh3'): BigUint64Array
export declare function parallelMapSync(input: Array<string | Uint8Array>, fn: 'crc32'): Uint32Array
export declare function parallelMapSync(input: Array<string | Uint8Array>, fn: 'sha256'): Buffer[]
