/**
 * Finding the injected SEA blob in a built executable, without running it. The Windows executable
 * cannot be run on the Linux build machine, so this is how the build and its test know that the
 * blob really went into node.exe, and that it is the same blob the Linux executable carries.
 */

/** The sentinel Node looks for at start-up: `:0` in a plain node, flipped to `:1` once a blob is injected. */
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
/** The resource (PE) or note (ELF) name the blob is injected under. */
export const SEA_RESOURCE = 'NODE_SEA_BLOB';
/** First four bytes of every SEA blob (node_sea.h kMagic), little-endian. */
export const SEA_BLOB_MAGIC = 0x0143da20;

const RT_RCDATA = 10;
const PT_NOTE = 4;

export interface PeFacts {
  /** e_lfanew: where the `PE\0\0` signature sits. */
  peOffset: number;
  machine: number;
  /** 0x20b for PE32+ (64-bit). */
  optionalMagic: number;
  sections: { name: string; virtualAddress: number; virtualSize: number; rawOffset: number; rawSize: number }[];
  /** The NODE_SEA_BLOB RCDATA resource, if present. */
  seaBlob: Buffer | null;
}

/** Parses a PE image's headers and its resource tree far enough to find the SEA blob. Throws if it is not PE. */
export function readPe(buf: Buffer): PeFacts {
  if (buf.toString('latin1', 0, 2) !== 'MZ') throw new Error('no MZ header');
  const peOffset = buf.readUInt32LE(0x3c);
  if (buf.toString('latin1', peOffset, peOffset + 4) !== 'PE\0\0') throw new Error(`no PE signature at e_lfanew (0x${peOffset.toString(16)})`);
  const coff = peOffset + 4;
  const machine = buf.readUInt16LE(coff);
  const sectionCount = buf.readUInt16LE(coff + 2);
  const optionalSize = buf.readUInt16LE(coff + 16);
  const opt = coff + 20;
  const optionalMagic = buf.readUInt16LE(opt);
  if (optionalMagic !== 0x20b) throw new Error(`not PE32+ (optional header magic 0x${optionalMagic.toString(16)})`);
  // PE32+: NumberOfRvaAndSizes at 108, then the data directories; the resource table is entry 2.
  const dirCount = buf.readUInt32LE(opt + 108);
  const resourceRva = dirCount > 2 ? buf.readUInt32LE(opt + 112 + 2 * 8) : 0;

  const sections: PeFacts['sections'] = [];
  for (let i = 0, s = opt + optionalSize; i < sectionCount; i++, s += 40) {
    sections.push({
      name: buf.toString('latin1', s, s + 8).replace(/\0+$/, ''),
      virtualSize: buf.readUInt32LE(s + 8),
      virtualAddress: buf.readUInt32LE(s + 12),
      rawSize: buf.readUInt32LE(s + 16),
      rawOffset: buf.readUInt32LE(s + 20),
    });
  }
  const fileOffset = (rva: number): number => {
    const sec = sections.find((x) => rva >= x.virtualAddress && rva < x.virtualAddress + Math.max(x.virtualSize, x.rawSize));
    if (!sec) throw new Error(`RVA 0x${rva.toString(16)} is in no section`);
    return sec.rawOffset + (rva - sec.virtualAddress);
  };

  let seaBlob: Buffer | null = null;
  if (resourceRva) {
    const root = fileOffset(resourceRva);
    // The resource tree is type → name → language → data. The blob is RCDATA named NODE_SEA_BLOB.
    const typeDir = entries(buf, root, root).find((e) => e.id === RT_RCDATA && e.subdir !== null);
    const nameDir = typeDir && entries(buf, root, typeDir.subdir!).find((e) => e.name === SEA_RESOURCE && e.subdir !== null);
    const lang = nameDir && entries(buf, root, nameDir.subdir!)[0];
    if (lang && lang.subdir === null) {
      const dataRva = buf.readUInt32LE(lang.data);
      const size = buf.readUInt32LE(lang.data + 4);
      const at = fileOffset(dataRva);
      seaBlob = buf.subarray(at, at + size);
    }
  }
  return { peOffset, machine, optionalMagic, sections, seaBlob };
}

interface ResourceEntry {
  id: number | null;
  name: string | null;
  /** File offset of the subdirectory, or null for a leaf. */
  subdir: number | null;
  /** File offset of the IMAGE_RESOURCE_DATA_ENTRY, for a leaf. */
  data: number;
}

function entries(buf: Buffer, root: number, dir: number): ResourceEntry[] {
  const count = buf.readUInt16LE(dir + 12) + buf.readUInt16LE(dir + 14);
  const out: ResourceEntry[] = [];
  for (let i = 0, e = dir + 16; i < count; i++, e += 8) {
    const nameField = buf.readUInt32LE(e);
    const dataField = buf.readUInt32LE(e + 4);
    let name: string | null = null;
    if (nameField & 0x80000000) {
      const at = root + (nameField & 0x7fffffff);
      name = buf.toString('utf16le', at + 2, at + 2 + 2 * buf.readUInt16LE(at));
    }
    const isDir = (dataField & 0x80000000) !== 0;
    out.push({ id: name === null ? nameField : null, name, subdir: isDir ? root + (dataField & 0x7fffffff) : null, data: root + (dataField & 0x7fffffff) });
  }
  return out;
}

/** The SEA blob in an ELF64 little-endian executable: the descriptor of the PT_NOTE owned by NODE_SEA_BLOB. */
export function elfSeaBlob(buf: Buffer): Buffer | null {
  if (buf.toString('latin1', 0, 4) !== '\x7fELF') throw new Error('not ELF');
  if (buf[4] !== 2 || buf[5] !== 1) throw new Error('not ELF64 little-endian');
  const phoff = Number(buf.readBigUInt64LE(0x20));
  const phentsize = buf.readUInt16LE(0x36);
  const phnum = buf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (buf.readUInt32LE(ph) !== PT_NOTE) continue;
    const start = Number(buf.readBigUInt64LE(ph + 8));
    const end = start + Number(buf.readBigUInt64LE(ph + 0x20));
    for (let n = start; n + 12 <= end; ) {
      const nameSize = buf.readUInt32LE(n);
      const descSize = buf.readUInt32LE(n + 4);
      const name = buf.toString('latin1', n + 12, n + 12 + nameSize).replace(/\0+$/, '');
      const desc = n + 12 + align4(nameSize);
      if (name === SEA_RESOURCE) return buf.subarray(desc, desc + descSize);
      n = desc + align4(descSize);
    }
  }
  return null;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** The SEA blob of a built executable, PE or ELF. */
export function seaBlobOf(buf: Buffer): Buffer | null {
  return buf.toString('latin1', 0, 2) === 'MZ' ? readPe(buf).seaBlob : elfSeaBlob(buf);
}

/** Whether the executable's fuse says "a blob is injected": `:1` present, `:0` absent. */
export function fuseFlipped(buf: Buffer): boolean {
  return buf.includes(`${SEA_FUSE}:1`, 0, 'latin1') && !buf.includes(`${SEA_FUSE}:0`, 0, 'latin1');
}
