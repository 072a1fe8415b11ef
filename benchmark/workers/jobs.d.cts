/** Types of jobs.cjs (the work benchmark/workers.ts measures). */
export interface Transformed {
  id: number
  name: string
  domain: string
  day: string
  total: number
  tags: string
  skus: string
  words: number
  top: string
}
export interface LogSummary {
  lines: number
  bad: number
  bytes: number
  errors: number
  subnets: number
  routes: Record<string, number>
  agents: Record<string, number>
}
export function trivial<T>(x: T): T
export function transformRecord(line: string): Transformed
export function analyzeLog(lines: string[]): LogSummary
export function cheap(o: { a: number; b: number }): number

