import fs from "node:fs";
const path = process.argv[2];
const fd = fs.openSync(path, "r");
const size = fs.fstatSync(fd).size;
const CH = 8 << 20, buf = Buffer.alloc(CH);
const hits: Record<string, number[]> = {};
const needles = ["Booting Linux on physical CPU 0x%010lx", "Booting Linux on physical CPU 0x0000", "(XEN) Bad console", "Kernel panic - not syncing: %s"];
let infos: number[] = [];
for (let off = 0; off < size; off += CH) {
  fs.readSync(fd, buf, 0, CH, off);
  for (const n of needles) for (let i = buf.indexOf(n); i >= 0; i = buf.indexOf(n, i + 1)) (hits[n] ??= []).push(off + i);
  const u = new Uint32Array(buf.buffer, buf.byteOffset, CH / 4);
  for (let w = 0; w < u.length - 50; w += 2) if (u[w + 1] === 0 && u[w] === 0 && u[w + 22] === 1 && u[w + 23] === 0 && u[w + 44] === 2 && u[w+45] === 0) infos.push(off + w * 4);
}
for (const [k, v] of Object.entries(hits)) console.log(k, v.map((x) => x.toString(16)));
console.log("infos seq0", infos.map((x) => x.toString(16)));
