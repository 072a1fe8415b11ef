// A minimal ELF64 little-endian reader for one question: which symbol
// versions (`GLIBC_2.28`, ...) does a shared object require? It walks the
// section headers to `.gnu.version_r` (SHT_GNU_verneed) and its linked string
// table, the data `objdump -T` prints in its version column. Written here so
// that the packaging test does not depend on binutils being installed.

const SHT_GNU_VERNEED = 0x6ffffffe

/** One required version: the library that provides it and its name. */
export interface VersionNeed {
  file: string
  version: string
}

function cString(buf: Buffer, at: number): string {
  const end = buf.indexOf(0, at)
  if (end < 0) throw new RangeError(`unterminated string at ${at}`)
  return buf.toString('latin1', at, end)
}

/** The versions `elf` needs from its shared libraries (`.gnu.version_r`). */
export function requiredVersions(elf: Buffer): VersionNeed[] {
  if (elf.readUInt32BE(0) !== 0x7f454c46) throw new TypeError('not an ELF file')
  if (elf[4] !== 2 || elf[5] !== 1) throw new TypeError('not a little-endian ELF64 file')
  const shoff = Number(elf.readBigUInt64LE(0x28))
  const shentsize = elf.readUInt16LE(0x3a)
  const shnum = elf.readUInt16LE(0x3c)
  const section = (i: number) => {
    const at = shoff + i * shentsize
    return {
      type: elf.readUInt32LE(at + 4),
      offset: Number(elf.readBigUInt64LE(at + 0x18)),
      link: elf.readUInt32LE(at + 0x28),
      info: elf.readUInt32LE(at + 0x2c),
    }
  }
  const needs: VersionNeed[] = []
  for (let i = 0; i < shnum; i++) {
    const s = section(i)
    if (s.type !== SHT_GNU_VERNEED) continue
    const strtab = section(s.link).offset
    // `info` holds the number of Verneed entries; each links its Vernaux list.
    let entry = s.offset
    for (let n = 0; n < s.info; n++) {
      const count = elf.readUInt16LE(entry + 2)
      const file = cString(elf, strtab + elf.readUInt32LE(entry + 4))
      let aux = entry + elf.readUInt32LE(entry + 8)
      for (let k = 0; k < count; k++) {
        needs.push({ file, version: cString(elf, strtab + elf.readUInt32LE(aux + 8)) })
        aux += elf.readUInt32LE(aux + 12)
      }
      entry += elf.readUInt32LE(entry + 12)
    }
  }
  return needs
}

/** Compares dotted versions numerically: `2.9` < `2.17` < `2.28`. */
export function compareVersions(a: string, b: string): number {
  const x = a.split('.').map(Number)
  const y = b.split('.').map(Number)
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}
