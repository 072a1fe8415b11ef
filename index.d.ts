// The package root's typings. Each capability's section re-exports its lib/*.d.ts.

// <task>
export * from './lib/task'
// </task>
// <map>
export * from './lib/map'
// </map>
// <split>
export * from './lib/split'
// </split>
// <memo>
export * from './lib/memo'
// </memo>
