'use strict'
// Memo and memoize (typed by lib/memo.d.ts). The pieces, one job each:
//   memo/wire.js     the wire format constants, read from the binding (Rust defines them)
//   memo/codec.js    the value codec (encode, decode)
//   memo/near.js     the per-thread near cache in front of the native store
//   memo/options.js  reading Memo and memoize options
//   memo/memo.js     the Memo class
//   memo/memoize.js  memoize()

const { Memo } = require('./memo/memo.js')
const { memoize } = require('./memo/memoize.js')

module.exports = { Memo, memoize }
